import Foundation

/// The `*.json` files directly inside a folder, with what readdir(3) already says about each.
///
/// A profile that readdir calls a regular file (DT_REG) is not a symbolic link, so its canonical
/// path is the folder's canonical path and its name: one realpath(3) per folder instead of one per
/// file, each of which looked up every component of the path again (readlink per component),
/// a visible share of reading a 10,000-host fleet. Links and file systems that do not report a
/// type (DT_UNKNOWN) still get realpath(3) of their own.
package struct FolderListing {
    package struct Entry {
        package let path: String
        /// Known without asking the file system again; nil when realpath(3) must say.
        package let canonicalPath: String?
    }

    package let entries: [Entry]

    /// nil when the folder cannot be listed.
    package init?(folder: String) {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        var named: [(name: String, regular: Bool)] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
            }
            // As before: hidden files (editors' .#x.json, ._x.json) are not profiles.
            guard name.hasSuffix(".json"), !name.hasPrefix(".") else { continue }
            named.append((name, entry.pointee.d_type == UInt8(DT_REG)))
        }
        named.sort { $0.name < $1.name }
        let canonicalFolder: String? = realpath(folder, nil).map { resolved in
            defer { free(resolved) }
            return String(cString: resolved)
        }
        entries = named.map { item in
            let known = canonicalFolder.flatMap { item.regular ? ($0 == "/" ? "/" : $0 + "/") + item.name : nil }
            return Entry(path: (folder as NSString).appendingPathComponent(item.name), canonicalPath: known)
        }
    }
}
