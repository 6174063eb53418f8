// `import LayoutSolver` is the library: the layers' public API, re-exported.
@_exported import LayoutCore
@_exported import LayoutFleetCheck
@_exported import LayoutMachines
@_exported import LayoutOutputs
@_exported import LayoutPlacement
@_exported import LayoutProbe
@_exported import LayoutRehearsal
