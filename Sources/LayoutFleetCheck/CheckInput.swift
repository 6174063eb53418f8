import LayoutCore
import LayoutMachines
import LayoutPlacement
import LayoutOutputs
import Foundation

/// One host profile file as `check` sees it: parsed when it can be, with its JSON tree kept so
/// findings about parsed values can name their line. A file that does not parse is a lint error
/// of that file, not a reason to stop: CI should show every broken profile at once.
package struct ProfileDocument: Sendable {
    package var file: String
    package var profile: HostProfile?
    /// Why the file is not a valid profile (schema, syntax, unreadable).
    package var error: InputError?
    package var root: JSONNode?

    /// The line of a JSON path in this file, or nil when the file did not parse.
    package func line(of path: String) -> Int? { root.map { JSONLocator.line(of: path, in: $0) } }
}

/// One VM shape (a `layoutsolve/vm/v1` file) to solve against the fleet.
package struct ShapeDocument: Sendable {
    package var file: String
    package var spec: VMSpec
    /// The spec's `name`, or the file's base name when it has none.
    package var name: String
    /// Why the file is not a VM shape; `spec` is then a placeholder. The shape is reported as
    /// failing (JUnit case, annotation, JSON finding) and the other shapes are still checked.
    package var error: InputError? = nil
}

/// Reads the files and folders `check` is given. Folders contribute every `*.json` directly
/// inside them, in name order, as `--hosts` does for solving.
package enum CheckInput {
    /// Every profile file, each parsed on its own. Only a path that does not exist (or a folder
    /// with no profiles) is a usage error: the caller cannot have meant it.
    package static func loadProfiles(paths: [String]) throws -> [ProfileDocument] {
        let files = try expand(paths: paths, what: "host profiles", option: "--hosts")
        return files.map(loadProfile)
    }

    package static func loadProfile(_ file: String) -> ProfileDocument {
        let bytes: [UInt8]
        do {
            bytes = try InputLoader.readBytes(file)
        } catch let error as InputError {
            return ProfileDocument(file: file, error: error)
        } catch {
            return ProfileDocument(file: file, error: InputError(source: file, message: "\(error)"))
        }
        return parseProfile(bytes, file: file)
    }

    package static func parseProfile(_ bytes: [UInt8], file: String) -> ProfileDocument {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            return ProfileDocument(file: file, error: InputError(source: file, line: error.line, message: error.inputMessage))
        }
        do {
            let profile = try HostProfileParser.parse(JSONReader(source: file, node: root), file: file)
            return ProfileDocument(file: file, profile: profile, root: root)
        } catch let error as InputError {
            return ProfileDocument(file: file, error: error, root: root)
        } catch {
            return ProfileDocument(file: file, error: InputError(source: file, message: "\(error)"), root: root)
        }
    }

    /// A shape that does not parse is a failing shape of the report (exit 1), not a reason to
    /// stop: CI must still show the rest. Duplicate names are a usage error (exit 2).
    package static func loadShapes(paths: [String]) throws -> [ShapeDocument] {
        let files = try expand(paths: paths, what: "VM specs", option: "--vms")
        var shapes: [ShapeDocument] = []
        var errors: [InputError] = []
        for file in files {
            do {
                let spec = try InputLoader.loadVM(path: file)
                let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                shapes.append(ShapeDocument(file: file, spec: spec, name: spec.name ?? base))
            } catch let error as InputError {
                let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                shapes.append(ShapeDocument(file: file, spec: VMSpec(ram: 0), name: base, error: error))
            } catch let errors as InputErrors {
                let base = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
                let message = errors.errors.map { ($0.path.isEmpty ? "" : $0.path + ": ") + $0.message }.joined(separator: "; ")
                shapes.append(ShapeDocument(file: file, spec: VMSpec(ram: 0), name: base, error: InputError(source: file, message: message)))
            }
        }
        var seen: [String: String] = [:]
        for shape in shapes {
            if let other = seen[shape.name] {
                errors.append(InputError(source: shape.file, path: "$.name", message: "VM shape name \"\(shape.name)\" is also used by \(other); reports and baselines match shapes by name"))
            }
            seen[shape.name] = shape.file
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw InputErrors(errors: errors) }
        return shapes
    }

    package static func expand(paths: [String], what: String, option: String) throws -> [String] {
        guard !paths.isEmpty else { throw InputError(source: option, message: "no \(what) given") }
        var files: [String] = []
        var errors: [InputError] = []
        var seen: Set<String> = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                errors.append(InputError(source: path, message: "no such file or folder"))
                continue
            }
            var found: [String] = [path]
            if isDirectory.boolValue {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                    errors.append(InputError(source: path, message: "cannot list this folder (permissions?)"))
                    continue
                }
                found = names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { (path as NSString).appendingPathComponent($0) }
                if found.isEmpty { errors.append(InputError(source: path, message: "the folder holds no *.json \(what)")) }
            }
            for file in found {
                // The same file twice (a folder and a file in it) is one file, not a duplicate host.
                let canonical = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
                if seen.insert(canonical).inserted { files.append(file) }
            }
        }
        if errors.count == 1 { throw errors[0] }
        if !errors.isEmpty { throw InputErrors(errors: errors) }
        return files
    }
}
