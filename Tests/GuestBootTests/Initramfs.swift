// Builds the guest's initramfs in memory: a newc cpio (the format the kernel unpacks, see
// Linux init/initramfs.c and Documentation/driver-api/early-userspace/buffer-format.rst) holding
// busybox, /dev/console (so init has stdio before devtmpfs is mounted) and the reporter script.
// Written here instead of calling cpio(1) so no root (mknod) and no extra package are needed.

import Foundation

enum Initramfs {
    /// A newc archive with `busybox` at /bin/busybox, /bin/sh -> busybox, /dev/console and `/init`.
    static func build(busybox: Data, initScript: String) -> Data {
        var out = Data()
        var inode: UInt32 = 1
        func entry(_ name: String, mode: UInt32, data: Data = Data(), rdevMajor: UInt32 = 0, rdevMinor: UInt32 = 0) {
            let nameBytes = Data(name.utf8) + Data([0])
            // 13 eight-digit hex fields after the magic: ino, mode, uid, gid, nlink, mtime, filesize,
            // devmajor, devminor, rdevmajor, rdevminor, namesize, check.
            let fields: [UInt32] = [inode, mode, 0, 0, 1, 0, UInt32(data.count), 0, 0, rdevMajor, rdevMinor,
                                    UInt32(nameBytes.count), 0]
            inode += 1
            var header = "070701"
            for f in fields { header += String(format: "%08X", f) }
            out.append(Data(header.utf8))
            out.append(nameBytes)
            pad()
            out.append(data)
            pad()
        }
        func pad() { while out.count % 4 != 0 { out.append(0) } }
        for dir in ["bin", "dev", "proc", "sys", "tmp"] { entry(dir, mode: 0o040755) }
        entry("dev/console", mode: 0o020600, rdevMajor: 5, rdevMinor: 1)
        entry("bin/busybox", mode: 0o100755, data: busybox)
        entry("bin/sh", mode: 0o120777, data: Data("busybox".utf8))
        entry("init", mode: 0o100755, data: Data(initScript.utf8))
        entry("TRAILER!!!", mode: 0)
        return out
    }

    /// The guest's /init. Each report is a set of sections between `@@BEGIN <name> <tag>` and
    /// `@@END <name> <tag>` lines on the console, so kernel messages interleaved on the same serial
    /// port cannot be mistaken for data (dmesg lines start with "[").
    /// With `layoutsolve.hotplug=1` on the command line it prints `@@WAITING-FOR-HOTPLUG`, waits
    /// (at most 60 s) until the number of memory blocks changes, i.e. until the host's QMP
    /// device_add reached the guest through ACPI, then until it is stable for 2 s, and reports again.
    static let initScript = #"""
    #!/bin/busybox sh
    B=/bin/busybox
    $B mount -t proc proc /proc
    $B mount -t sysfs sysfs /sys
    $B mount -t devtmpfs devtmpfs /dev 2>/dev/null
    report() {
      tag=$1
      echo "@@BEGIN iomem $tag"; $B cat /proc/iomem; echo "@@END iomem $tag"
      echo "@@BEGIN memmap $tag"
      for d in /sys/firmware/memmap/*; do [ -d "$d" ] && echo "$($B cat $d/start) $($B cat $d/end) $($B cat $d/type)"; done
      echo "@@END memmap $tag"
      echo "@@BEGIN blocksize $tag"; $B cat /sys/devices/system/memory/block_size_bytes; echo "@@END blocksize $tag"
      echo "@@BEGIN blocks $tag"
      for m in /sys/devices/system/memory/memory*; do [ -d "$m" ] && echo "${m##*/memory} $($B cat $m/online)"; done
      echo "@@END blocks $tag"
      echo "@@BEGIN pci $tag"
      for d in /sys/bus/pci/devices/*; do
        [ -d "$d" ] || continue
        echo "device ${d##*/} $($B cat $d/vendor) $($B cat $d/device)"
        $B cat $d/resource
      done
      echo "@@END pci $tag"
      echo "@@BEGIN e820 $tag"; $B dmesg | $B grep -E 'BIOS-e820|efi: mem|SRAT'; echo "@@END e820 $tag"
    }
    count() { $B ls -d /sys/devices/system/memory/memory* 2>/dev/null | $B wc -l; }
    report boot
    case " $($B cat /proc/cmdline) " in
    *" layoutsolve.hotplug=1 "*)
      before=$(count)
      echo "@@WAITING-FOR-HOTPLUG blocks=$before"
      i=0
      while [ "$(count)" = "$before" ] && [ $i -lt 600 ]; do $B usleep 100000; i=$((i+1)); done
      # Several DIMMs arrive one ACPI notification each, and a block is onlined just after its
      # sysfs directory appears: report once the count has not changed for 2 s.
      last=$(count); stable=0
      while [ $stable -lt 20 ] && [ $i -lt 900 ]; do
        $B usleep 100000; i=$((i+1)); now=$(count)
        if [ "$now" = "$last" ]; then stable=$((stable+1)); else stable=0; last=$now; fi
      done
      report hotplug
      ;;
    esac
    echo "@@DONE"
    $B poweroff -f
    """#
}
