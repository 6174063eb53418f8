/// The hugetlbfs mount a hugepage-backed VM's RAM files go on when none is given. A hugetlbfs
/// mount serves one page size (its `pagesize=` option, else the default hugepage size, 2 MiB on
/// x86), and `/dev/hugepages` is systemd's mount of the default size (dev-hugepages.mount). 1 GiB
/// pages need a mount of their own, conventionally `/dev/hugepages1G`
/// (`mount -t hugetlbfs -o pagesize=1G none /dev/hugepages1G`); QEMU refuses a memory-backend-file
/// whose `align` exceeds the mount's page size, so the default follows `ram_align`.
public enum HugepageMount {
    public static let defaultPath = "/dev/hugepages"
    public static let oneGiBPath = "/dev/hugepages1G"

    public static func defaultPath(ramAlign: UInt64?) -> String {
        ramAlign == 1 << 30 ? oneGiBPath : defaultPath
    }
}
