import Foundation
import Testing

/// The library's DocC catalog holds the domain facts the code cites; these checks keep its links
/// whole and keep citations inside the repository, without running DocC.
@Suite("DocC catalog: links resolve, every article is reachable, citations stay in the repository")
struct DocCatalogTests {
    static let catalog = Fixture.repository.appendingPathComponent("Sources/LayoutSolver/LayoutSolver.docc")

    /// Article name (file name without `.md`) to its text.
    static func articles() throws -> [String: String] {
        var articles: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: catalog.path) where name.hasSuffix(".md") {
            articles[String(name.dropLast(3))] = try String(contentsOf: catalog.appendingPathComponent(name), encoding: .utf8)
        }
        return articles
    }

    /// `<doc:Name>` and `<doc:Name#Heading-words>` links in a text.
    static func links(in text: String) -> [(article: String, anchor: String?)] {
        var links: [(String, String?)] = []
        var rest = text[...]
        while let open = rest.range(of: "<doc:") {
            guard let close = rest[open.upperBound...].firstIndex(of: ">") else { break }
            let target = rest[open.upperBound..<close].split(separator: "#", maxSplits: 1).map(String.init)
            links.append((target.first ?? "", target.count > 1 ? target[1] : nil))
            rest = rest[close...]
        }
        return links
    }

    /// DocC's anchor for a heading: its words joined by `-`.
    static func anchors(in text: String) -> Set<String> {
        Set(text.components(separatedBy: "\n").filter { $0.hasPrefix("#") }.map { line in
            line.drop(while: { $0 == "#" }).split(separator: " ").joined(separator: "-")
        })
    }

    @Test func everyLinkNamesAnArticleAndHeading() throws {
        let articles = try Self.articles()
        #expect(articles.count >= 6, "articles found: \(articles.keys.sorted())")
        for (name, text) in articles {
            for link in Self.links(in: text) {
                guard let target = articles[link.article] else {
                    Issue.record("\(name).md links to <doc:\(link.article)>, which is not an article of the catalog")
                    continue
                }
                if let anchor = link.anchor {
                    #expect(Self.anchors(in: target).contains(anchor), "\(name).md links to a heading \(anchor) that \(link.article).md does not have")
                }
            }
        }
    }

    @Test func everyArticleIsListedOnTheRootPage() throws {
        let articles = try Self.articles()
        let root = try #require(articles["LayoutSolver"], "the root page LayoutSolver.md is missing")
        #expect(root.hasPrefix("# ``LayoutSolver``"), "the root page must be the module's page")
        let topics = try #require(root.range(of: "## Topics"), "the root page has no Topics section")
        let listed = Set(Self.links(in: String(root[topics.lowerBound...])).map(\.article))
        #expect(listed == Set(articles.keys).subtracting(["LayoutSolver"]), "the root page's Topics list \(listed.sorted())")
    }

    /// Domain facts once lived in a folder outside the repository (`shared/domain/*.md`); the code
    /// now cites the articles, and nothing may cite that folder again.
    @Test func noCitationLeavesTheRepository() throws {
        var offenders: [String] = []
        for folder in ["Sources", "Tests", "Profiles", "Examples", "Schemas"] {
            let root = Fixture.repository.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walker where ["swift", "md", "json", "c", "h"].contains(file.pathExtension) {
                guard file.lastPathComponent != "DocCatalogTests.swift",
                      let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
                if text.contains("shared/domain") || text.contains("domain/linux-reserved-regions.md") || text.contains("qemu-layout.md") {
                    offenders.append(String(file.path.dropFirst(Fixture.repository.path.count + 1)))
                }
            }
        }
        let readme = try String(contentsOf: Fixture.repository.appendingPathComponent("README.md"), encoding: .utf8)
        if readme.contains("shared/domain") { offenders.append("README.md") }
        #expect(offenders.isEmpty, "cite the articles in Sources/LayoutSolver/LayoutSolver.docc instead: \(offenders.sorted())")
    }

    @Test func linkAndAnchorParsing() {
        let links = Self.links(in: "see <doc:A> and <doc:B#Version-differences>.")
        #expect(links.map(\.article) == ["A", "B"])
        #expect(links.map(\.anchor) == [nil, "Version-differences"])
        #expect(Self.anchors(in: "# Title\n### Version differences\ntext") == ["Title", "Version-differences"])
    }
}
