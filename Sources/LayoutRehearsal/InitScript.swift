// The virtual host's /init (busybox ash). It loads the VFIO modules, binds QEMU's `edu` test device
// (1234:11e8, no Linux driver, so it is free to take) to vfio-pci, lists every IOMMU group's
// reserved_regions, then runs each job read from fw_cfg (`opt/layoutsolve/job`): the inner QEMU
// paused (-S) with its QMP monitor on a `pipe` chardev (QEMU 7.2's file chardev has no input;
// chardev/char-pipe.c opens PATH.in and PATH.out read-write), the job's QMP commands one by one
// (planned DIMMs, then vfio-pci), and reports on the SECOND serial port (/dev/ttyS1) in `@@` lines
// so kernel messages on ttyS0 can never be mistaken for results. Then it powers off.
//
// Job file format (one item a line, no newlines inside items):
//   @job N / @arg ARG / @qmp JSON / @end        `@BDF@` in an arg or command becomes the edu device.
//   `@qmp WAIT-MIGRATION` polls query-migrate until the stream is complete (migration jobs);
//   a line `@dump` anywhere: first report the files `layoutsolve probe` reads (the probe round trip).
// Report lines on ttyS1:
//   @@READY <bdf> <group> <uptime>   @@REGION <group> <start> <end> <type>   @@FATAL <text>
//   @@STEP N <index> ok|error <seconds> [<QMP reply line>]   @@STDERR N <line>
//   @@OUTCOME N ok|error|exited|timeout <seconds>   @@DONE
//   @@FILE <path> then @@L <line>...   @@DIR <path>   @@LINK <path> <target>   @@DUMPED

enum InitScript {
    /// `modules` in load order: (file name inside /lib/modules/rehearsal, insmod parameters).
    static func text(modules: [(file: String, parameters: String)]) -> String {
        let loads = modules.map { "insmod /lib/modules/rehearsal/\($0.file) \($0.parameters) || fail \"insmod \($0.file)\"" }
            .joined(separator: "\n")
        return #"""
        #!/bin/busybox sh
        /bin/busybox mkdir -p /usr/bin /usr/sbin /sbin /proc /sys /dev /tmp
        /bin/busybox --install -s
        export PATH=/bin:/sbin:/usr/bin:/usr/sbin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev 2>/dev/null
        exec 5>/dev/ttyS1
        up() { cut -d' ' -f1 /proc/uptime; }
        fail() { echo "@@FATAL $*" >&5; dmesg | tail -40; poweroff -f; sleep 10; }

        """# + loads + #"""

        # virtio-iommu is a module probed after insmod returns: wait (10 s at most) for an IOMMU.
        i=0; while [ -z "$(ls /sys/class/iommu 2>/dev/null)" ] && [ $i -lt 100 ]; do usleep 100000; i=$((i+1)); done
        BDF=""
        for d in /sys/bus/pci/devices/*; do
          [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ] && BDF=${d##*/}
        done
        [ -n "$BDF" ] || fail "no edu (1234:11e8) PCI device"
        echo vfio-pci > /sys/bus/pci/devices/$BDF/driver_override
        echo $BDF > /sys/bus/pci/drivers_probe
        case "$(readlink /sys/bus/pci/devices/$BDF/driver)" in *vfio-pci) ;; *) fail "edu $BDF did not bind to vfio-pci";; esac
        GROUP=$(readlink /sys/bus/pci/devices/$BDF/iommu_group); GROUP=${GROUP##*/}
        [ -e /dev/vfio/$GROUP ] || fail "no /dev/vfio/$GROUP"
        echo "@@READY $BDF $GROUP $(up)" >&5
        for g in /sys/kernel/iommu_groups/*; do
          while read -r s e t; do echo "@@REGION ${g##*/} $s $e $t" >&5; done < $g/reserved_regions
        done

        # qmp JSON: sends one command; sets LINE; 0 return, 1 error, 2 QEMU gone, 3 timeout.
        qmp() {
          [ -n "$1" ] && echo "$1" >&3
          waited=0
          while :; do
            if read -t 1 -r LINE <&4; then
              case "$LINE" in *'"return"'*|*'"QMP"'*) return 0;; *'"error"'*) return 1;; esac
            else
              kill -0 $PID 2>/dev/null || { LINE=""; return 2; }
              waited=$((waited+1)); [ $waited -ge 600 ] && { LINE=""; return 3; }
            fi
          done
        }
        # Polls query-migrate until the stream (outgoing or incoming) is complete: 0, 1 failed,
        # 2 QEMU gone, 3 timeout (600 s).
        wait_migration() {
          w=0
          while :; do
            qmp '{"execute":"query-migrate"}' || return $?
            case "$LINE" in *'"completed"'*) return 0;; *'"failed"'*|*'"cancelled"'*) return 1;; esac
            usleep 200000; w=$((w+1)); [ $w -ge 3000 ] && { LINE=""; return 3; }
          done
        }
        # With @dump in the job file: the files `layoutsolve probe` reads, as @@FILE/@@L/@@LINK/@@DIR lines.
        dumpf() { [ -f "$1" ] && [ -r "$1" ] || return 0; echo "@@FILE $1" >&5; while IFS= read -r l || [ -n "$l" ]; do echo "@@L $l" >&5; done < "$1"; }
        dump_probe_files() {
          dumpf /proc/cpuinfo; dumpf /proc/sys/kernel/osrelease; dumpf /proc/sys/kernel/arch
          for g in /sys/kernel/iommu_groups/*; do
            echo "@@DIR $g/devices" >&5
            dumpf $g/reserved_regions; dumpf $g/type
            for d in $g/devices/*; do [ -e "$d" ] && echo "@@DIR $d" >&5; done
          done
          for u in /sys/class/iommu/*; do
            echo "@@DIR $u" >&5
            for f in $u/intel-iommu/* $u/amd-iommu/*; do dumpf $f; done
          done
          for d in /sys/bus/pci/devices/*; do
            [ -e $d/iommu_group ] && echo "@@LINK $d/iommu_group $(readlink $d/iommu_group)" >&5
            dumpf $d/vendor; dumpf $d/device; dumpf $d/class
          done
          echo "@@DUMPED" >&5
        }
        finish_job() { # $1 = outcome
          echo "@@OUTCOME $N $1 $(awk "BEGIN{print $(up)-$T0}")" >&5
          if kill -0 $PID 2>/dev/null; then
            echo '{"execute":"quit"}' >&3
            i=0; while kill -0 $PID 2>/dev/null && [ $i -lt 100 ]; do usleep 100000; i=$((i+1)); done
            kill -9 $PID 2>/dev/null
          fi
          wait $PID 2>/dev/null
          while IFS= read -r l; do echo "@@STDERR $N $l" >&5; done < /tmp/err
          exec 3>&- 4<&-
        }
        run_job() {
          rm -f /tmp/qmp.in /tmp/qmp.out /tmp/err
          mkfifo /tmp/qmp.in /tmp/qmp.out
          T0=$(up)
          /usr/bin/qemu-system-x86_64 -S -display none -chardev pipe,id=rehearsal-qmp,path=/tmp/qmp \
            -mon chardev=rehearsal-qmp,mode=control "$@" </dev/null >/dev/null 2>/tmp/err &
          PID=$!
          exec 3<>/tmp/qmp.in 4<>/tmp/qmp.out
          qmp "" || { finish_job exited; return; }
          qmp '{"execute":"qmp_capabilities"}' || { finish_job exited; return; }
          k=0
          while IFS= read -r c; do
            k=$((k+1)); t=$(up)
            if [ "$c" = WAIT-MIGRATION ]; then wait_migration; rc=$?; else qmp "$c"; rc=$?; fi
            el=$(awk "BEGIN{print $(up)-$t}")
            case $rc in
              0) echo "@@STEP $N $k ok $el" >&5 ;;
              1) echo "@@STEP $N $k error $el $LINE" >&5; finish_job error; return ;;
              2) finish_job exited; return ;;
              *) finish_job timeout; return ;;
            esac
          done < /tmp/job.qmp
          finish_job ok
        }

        JOB=/sys/firmware/qemu_fw_cfg/by_name/opt/layoutsolve/job/raw
        [ -r $JOB ] || fail "no fw_cfg job (opt/layoutsolve/job)"
        sed "s/@BDF@/$BDF/g" $JOB > /tmp/job
        grep -q '^@dump$' /tmp/job && dump_probe_files
        N=0
        exec 6</tmp/job
        while IFS= read -r line <&6; do
          case "$line" in
            "@job "*) N=${line#@job }; set --; : > /tmp/job.qmp ;;
            "@arg "*) set -- "$@" "${line#@arg }" ;;
            "@qmp "*) echo "${line#@qmp }" >> /tmp/job.qmp ;;
            "@end") run_job "$@" ;;
          esac
        done
        echo "@@DONE" >&5
        sync
        poweroff -f
        sleep 10

        """#
    }
}
