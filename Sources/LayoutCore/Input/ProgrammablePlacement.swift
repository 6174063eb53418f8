/// Where the solver put one host's programmable window (its software MSI window).
public struct ProgrammablePlacement: Equatable, Sendable {
    /// The host whose window this is.
    public var host: String
    /// The window's JSON path in the host's profile.
    public var path: String
    /// Always `sw-msi` today.
    public var type: ReservedType
    /// Where the window goes: program this on the host.
    public var range: AddressRange
    /// The host's default base was kept: nothing to change on that host.
    public var isDefault: Bool

    package init(host: String, path: String, type: ReservedType, range: AddressRange, isDefault: Bool) {
        self.host = host
        self.path = path
        self.type = type
        self.range = range
        self.isDefault = isDefault
    }
}
