import Foundation

/// An apt configuration of our own in a work folder: its own sources list (bookworm and
/// bookworm-backports from the machine's mirror, for one architecture), state, cache and an empty
/// dpkg status, so `apt-get update/download` never read or change the system's apt state.
/// Shared by the virtual-host image and the guest-boot tests' kernel fetch.
package struct PrivateAptConfiguration {
    /// The work folder; `debs/` and `root/` inside it are for downloads and unpacking.
    package let folder: String
    /// `APT_CONFIG` pointing at the private configuration: pass it to every apt call.
    package let environment: [String: String]

    package init(folder: URL, architecture: String, mirror: String = DebianPackages.mirror) throws {
        let fm = FileManager.default
        for sub in ["state/lists/partial", "cache/archives/partial", "etc/preferences.d", "etc/apt.conf.d", "etc/sources.list.d", "debs", "root"] {
            try fm.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let w = folder.path
        try """
        deb [arch=\(architecture) signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \(mirror) bookworm main
        deb [arch=\(architecture) signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \(mirror) bookworm-backports main

        """.write(toFile: w + "/etc/sources.list", atomically: true, encoding: .utf8)
        try """
        Dir::State "\(w)/state";
        Dir::State::status "\(w)/state/status";
        Dir::Cache "\(w)/cache";
        Dir::Etc::SourceList "\(w)/etc/sources.list";
        Dir::Etc::SourceParts "\(w)/etc/sources.list.d";
        Dir::Etc::Preferences "\(w)/etc/preferences";
        Dir::Etc::PreferencesParts "\(w)/etc/preferences.d";
        Dir::Etc::Parts "\(w)/etc/apt.conf.d";
        APT::Architectures { "\(architecture)"; };
        APT::Sandbox::User "root";

        """.write(toFile: w + "/apt.conf", atomically: true, encoding: .utf8)
        _ = fm.createFile(atPath: w + "/state/status", contents: Data())
        self.folder = w
        self.environment = ["APT_CONFIG": w + "/apt.conf"]
    }
}
