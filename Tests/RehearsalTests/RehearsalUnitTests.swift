// Fast checks of the engine's pieces that need no virtual host.

import Foundation
import Testing
@testable import LayoutRehearsal

@Suite struct RehearsalUnitTests {
    @Test func jobFileAddsRootPortOnQ35AndDeviceLast() throws {
        let text = try Rehearsal.jobText([RehearsalJob(innerArguments: ["-M", "q35", "-m", "512M", "-enable-kvm", "-cpu", "host,phys-bits=39"],
                                                       hotAdd: [#"{"execute":"object-add"}"#])])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "@job 1")
        #expect(lines.last == "@end")
        #expect(!lines.contains("@arg -enable-kvm"))
        #expect(lines.contains("@arg max,phys-bits=39"))
        #expect(lines.contains("@arg pcie-root-port,id=rehearsal-rp,chassis=254"))
        let qmp = lines.filter { $0.hasPrefix("@qmp ") }
        #expect(qmp.count == 2)
        #expect(qmp.last == #"@qmp {"arguments":{"bus":"rehearsal-rp","driver":"vfio-pci","host":"@BDF@","id":"rehearsal-vfio"},"execute":"device_add"}"#)
    }

    @Test func pcGetsNoRootPort() throws {
        let text = try Rehearsal.jobText([RehearsalJob(innerArguments: ["-M", "pc", "-m", "512M"])])
        #expect(!text.contains("pcie-root-port"))
        #expect(text.contains(#""driver":"vfio-pci""#))
        #expect(!text.contains("bus"))
    }

    @Test func newlineInArgumentIsRefused() {
        #expect(throws: RehearsalError.self) { try Rehearsal.jobText([RehearsalJob(innerArguments: ["-name", "a\nb"])]) }
    }

    @Test func q35Detection() {
        #expect(InnerArguments.isQ35(["-machine", "pc-q35-7.2,accel=kvm"]))
        #expect(InnerArguments.isQ35(["-M", "type=q35"]))
        #expect(!InnerArguments.isQ35(["-M", "pc"]))
        #expect(!InnerArguments.isQ35([]))
    }

    @Test func moduleDependenciesFromModinfo() {
        let data = Data("xx\0license=GPL\0depends=vfio,irqbypass,vfio-pci-core\0vermagic=6.12".utf8)
        #expect(VirtualHostImage.dependencies(of: data) == ["vfio", "irqbypass", "vfio_pci_core"])
        #expect(VirtualHostImage.dependencies(of: Data("\0depends=\0".utf8)) == [])
    }

    @Test func outerArgumentsPerFlavour() throws {
        let intel = try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .intel(awBits: 39)))
        #expect(intel.devices == ["-device", "intel-iommu,intremap=on,aw-bits=39"])
        #expect(intel.kernel.contains("intel_iommu=on"))
        #expect(try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .amd)).devices == ["-device", "amd-iommu"])
        #expect(throws: RehearsalError.self) { try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .intel(awBits: 42))) }
        #expect(throws: RehearsalError.self) { try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .virtio(awBits: 40))) }
        #expect(throws: RehearsalError.self) {
            try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .amd, reservedRegions: [.init(start: 0, end: 0xfff)]))
        }
        let virtio = try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .virtio(awBits: nil), reservedRegions: [.init(start: 0x1_0000_0000, end: 0x1_3fff_ffff)]))
        #expect(virtio.devices == ["-device", "virtio-iommu-pci,len-reserved-regions=2,reserved-regions[0]=0x100000000:0x13fffffff:0,reserved-regions[1]=0xfee00000:0xfeefffff:1"])
        #expect(try OuterQEMU.iommuArguments(VirtualHostSpec(iommu: .virtio(awBits: nil))).devices == ["-device", "virtio-iommu-pci"])
    }

    @Test func memoryCheckRefusesAHostLargerThanTheMachine() {
        #expect(throws: RehearsalError.self) { try Rehearsal.checkMemory(VirtualHostSpec(iommu: .amd, memoryMiB: 1 << 40)) }
        #expect(throws: RehearsalError.self) { try Rehearsal.checkMemory(VirtualHostSpec(iommu: .amd, memoryMiB: UInt64.max)) }
    }

    @Test func refusalClassification() {
        #expect(Rehearsal.isVFIORefusal("vfio 0000:00:02.0: failed to setup container for group 1: memory listener initialization failed: Region m0: vfio_dma_map(0x5, 0x8000000000, 0x8000000, 0x7f) = -22 (Invalid argument)"))
        #expect(!Rehearsal.isVFIORefusal("Property 'pc-dimm.addr' doesn't take value 'x'"))
        #expect(Rehearsal.qmpErrorDescription(#"{"error": {"class": "GenericError", "desc": "boom"}}"#) == "boom")
    }
}
