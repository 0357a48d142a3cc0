import Foundation
import OutpostCLITestSupport
import OutpostCodec
import OutpostCrypto
import OutpostModel
import OutpostSync
import OutpostTestRandom
import OutpostTestSupport
import Testing

// docs/reliability.md §4 rows 29, 30 and 37 (where a bundle is, whom it is for) and the merge
// command's output, dry runs and key files; the fixture is in BundleRefusalTests.swift.

// MARK: - Rows 29, 30, 37: where the file is, and whom it is for

struct BundleFileTests {
  @Test("row 29: a bundle path that is a symbolic link is 65 and never followed")
  func symbolicLink() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    let files = FileManager.default
    try files.createSymbolicLink(
      atPath: offices.temp.file("link.sub"), withDestinationPath: "north-1.sub")
    let result = offices.mergeRefused("link.sub", status: 65, reason: ["is a symbolic link"])
    #expect(result.errors.contains("Pass the file itself"))
    // A link to a file outside: refused the same way, without reading it.
    try files.createSymbolicLink(
      atPath: offices.temp.file("passwd.sub"), withDestinationPath: "/etc/passwd")
    offices.mergeRefused("passwd.sub", status: 65, reason: ["is a symbolic link"], "to /etc/passwd")
    // And a dangling one.
    try files.createSymbolicLink(
      atPath: offices.temp.file("gone.sub"), withDestinationPath: offices.temp.file("nowhere"))
    offices.mergeRefused("gone.sub", status: 65, reason: ["is a symbolic link"], "dangling")
    // At a branch.
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    try files.createSymbolicLink(
      atPath: offices.temp.file("reply-link"), withDestinationPath: "north-1.reply")
    offices.refused(
      ["receive", "reply-link"], "north", status: 65, file: "reply-link",
      reason: ["is a symbolic link"])
  }

  /// Row 29's "hardlink inside a bundle" has no counterpart here: a bundle is one file.
  ///
  /// A hard link *is* the file (same inode, nothing to traverse), and folders above the file are
  /// the user's path (mount points are often links). Both are accepted.
  @Test("row 29: a hard link to a bundle, or a bundle in a linked folder, is the file itself")
  func hardLinkAndLinkedFolder() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    let files = FileManager.default
    try files.linkItem(
      atPath: offices.temp.file("north-1.sub"), toPath: offices.temp.file("hard.sub"))
    #expect(offices.must(["merge", "hard.sub"], "hq").contains("3 new"))
    try files.createDirectory(atPath: offices.temp.file("stick"), withIntermediateDirectories: true)
    try files.moveItem(
      atPath: offices.temp.file("south-1.sub"), toPath: offices.temp.file("stick/s.sub"))
    try files.createSymbolicLink(atPath: offices.temp.file("media"), withDestinationPath: "stick")
    #expect(offices.must(["merge", "media/s.sub"], "hq").contains("3 new"))
  }

  @Test("row 30: a bundle on read-only media merges, and nothing is written next to it")
  func readOnlyMedia() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    let files = FileManager.default
    let media = offices.temp.file("cdrom")
    try files.createDirectory(atPath: media, withIntermediateDirectories: true)
    try files.moveItem(atPath: offices.temp.file("north-1.sub"), toPath: media + "/north-1.sub")
    try files.setAttributes([.posixPermissions: 0o444], ofItemAtPath: media + "/north-1.sub")
    try files.setAttributes([.posixPermissions: 0o555], ofItemAtPath: media)
    defer { try? files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: media) }
    // Tests may run as root, for whom the modes do not stop writes: compare the folder instead.
    let before = try files.contentsOfDirectory(atPath: media)
    let digest = treeDigest(media)
    let merged = offices.must(["merge", "cdrom/north-1.sub"], "hq")
    #expect(merged.contains("Merged submission 1 from 'north'"))
    #expect(try files.contentsOfDirectory(atPath: media) == before)
    #expect(treeDigest(media) == digest)
    let mode = try files.attributesOfItem(atPath: media + "/north-1.sub")[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o444)
    // A reply on read-only media is received the same way.
    try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: media)
    offices.must(["reply", "north", "--out", "cdrom/north-1.reply"], "hq")
    try files.setAttributes([.posixPermissions: 0o444], ofItemAtPath: media + "/north-1.reply")
    try files.setAttributes([.posixPermissions: 0o555], ofItemAtPath: media)
    let replyBefore = treeDigest(media)
    offices.must(["receive", "cdrom/north-1.reply"], "north")
    #expect(treeDigest(media) == replyBefore)
  }

  @Test(
    "row 37: a reply for another branch is 65 \"is for 'south'\"; other misdirected bundles too")
  func wrongRecipient() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    offices.must(["reply", "south", "--out", "south-1.reply"], "hq")
    offices.refused(
      ["receive", "south-1.reply"], "north", status: 65, file: "south-1.reply",
      reason: ["is for 'south'"])
    // A submission given to a branch, and a reply given to head office.
    offices.refused(
      ["receive", "north-1.sub"], "south", status: 65, file: "north-1.sub",
      reason: ["is for 'hq'"])
    offices.refused(
      ["merge", "south-1.reply"], "hq", status: 65, file: "south-1.reply",
      reason: ["is for 'south'", "is a reply bundle"])
    offices.must(["receive", "south-1.reply"], "south")
  }

  @Test("row 37: a reply that needs a base this branch lacks is 65, naming what it requires")
  func missingBase() throws {
    let offices = Offices(branches: ["north"])
    // A first round: head office's first reply is complete (SPEC.md §8.1), later ones build on
    // what the branch acknowledged.
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-1.reply"], "hq")
    offices.must(["receive", "north-1.reply"], "north")
    try offices.copy("north", "north-old")  // north as it was before its fourth order
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.must(["merge", "north-2.sub"], "hq")
    offices.must(["reply", "north", "--out", "north-2.reply"], "hq")
    let result = offices.refused(
      ["receive", "north-2.reply"], "north-old", status: 65, file: "north-2.reply",
      reason: ["requires a base this repository does not have"])
    #expect(result.errors.contains("north:4"), "names the required clock: \(result.errors)")
    // The branch that has the base receives it.
    offices.must(["receive", "north-2.reply"], "north")
  }
}

// MARK: - Merge output, dry runs, keys

struct MergeCommandTests {
  @Test("merge --format json: per-bundle status, refused bundles counted; the good one merged")
  func jsonReport() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    var bad = try offices.bytes("south-1.sub")
    bad[bad.count - 3] ^= 1
    offices.write("bad.sub", bad)
    let result = offices.run(["merge", "bad.sub", "north-1.sub", "--format", "json"], "hq")
    #expect(result.status == 65)
    #expect(result.errors.contains("error: bundle damaged in transit: bad.sub"), "\(result.errors)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
    #expect(json["format"] as? String == "outpost-merge/1")
    #expect(json["dry_run"] as? Bool == false)
    let bundles = try #require(json["bundles"] as? [[String: Any]])
    try #require(bundles.count == 2)
    #expect(bundles[0]["file"] as? String == "bad.sub")
    #expect(bundles[0]["status"] as? String == "refused")
    #expect(bundles[0]["exit"] as? Int == 65)
    #expect((bundles[0]["error"] as? String)?.contains("sha256 mismatch") == true)
    #expect(bundles[0]["hint"] is String)
    #expect(bundles[1]["file"] as? String == "north-1.sub")
    #expect(bundles[1]["status"] as? String == "applied")
    #expect(bundles[1]["from"] as? String == "north")
    let totals = try #require(json["totals"] as? [String: Any])
    #expect(totals["bundles_refused"] as? Int == 1)
    #expect(totals["bundles_applied"] as? Int == 1)
    #expect(totals["new"] as? Int == 3)
    let orders = offices.orders("hq")
    #expect(orders.contains("north-o-3") && !orders.contains("south-o-1"))
  }

  @Test("merge --dry-run reports what would happen and writes nothing; then the merge does it")
  func dryRun() throws {
    let offices = Offices(branches: ["north", "south"])
    offices.submit("north", "north-1.sub")
    offices.submit("south", "south-1.sub")
    let before = offices.digest("hq")
    let dry = offices.must(["merge", "north-1.sub", "south-1.sub", "--dry-run"], "hq")
    #expect(dry.contains("Would merge submission 1 from 'north'"), "\(dry)")
    #expect(dry.contains("2 bundle(s) would be merged"), "\(dry)")
    #expect(offices.digest("hq") == before)
    let json = offices.must(["merge", "north-1.sub", "--dry-run", "--format", "json"], "hq")
    #expect(json.contains(#""dry_run": true"#) && json.contains(#""status": "dry-run""#))
    #expect(offices.digest("hq") == before)
    offices.write("cut.sub", Array(try offices.bytes("north-1.sub").dropLast(9)))
    offices.refused(
      ["merge", "cut.sub", "--dry-run"], "hq", status: 65, file: "cut.sub",
      reason: ["bundle incomplete"])
    #expect(offices.orders("hq").isEmpty)
    let merged = offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    #expect(merged.contains("2 bundle(s) merged"), "\(merged)")
    #expect(offices.digest("hq") != before)
  }

  @Test("key files are mode 0600, and no command ever prints the secret (SPEC.md §3.3)")
  func keysStaySecret() throws {
    let offices = Offices(branches: ["north", "south"])
    let files = FileManager.default
    func mode(_ path: String) throws -> Int? {
      (try files.attributesOfItem(atPath: offices.temp.file(path))[.posixPermissions] as? NSNumber)?
        .intValue
    }
    for office in offices.branches {
      #expect(try mode("\(office).key") == 0o600)
      #expect(try mode("hq/keys/\(office).json") == 0o600)
      #expect(try mode("\(office)/keys/\(office).json") == 0o600)
    }
    // A whole flow, with every read command, at every office.
    for office in offices.branches { offices.submit(office, "\(office)-1.sub") }
    offices.must(["merge", "north-1.sub", "south-1.sub"], "hq")
    offices.must(["merge", "north-1.sub", "--format", "json"], "hq")
    for office in offices.branches {
      offices.must(["reply", office, "--out", "\(office)-1.reply", "--format", "json"], "hq")
      offices.must(["receive", "\(office)-1.reply", "--format", "json"], office)
    }
    for repository in ["hq"] + offices.branches {
      for command in [
        ["status"], ["status", "--format", "json"], ["log"], ["log", "--format", "json"],
        ["verify"], ["verify", "--format", "json"], ["export", "orders"],
      ] {
        offices.must(command, repository)
      }
    }
    offices.run(["office", "add", "north", "--key-out", "again.key"], "hq")
    offices.run(["init", "--office", "south", "--key", "north.key"], "mixup")
    offices.must(["office", "revoke", "south"], "hq")
    offices.run(["merge", "south-1.sub"], "hq")
    offices.must(["office", "add", "south", "--key-out", "south-2.key"], "hq")
    offices.run(["help", "office", "add"], "hq")
    var secrets: [String] = []
    for file in ["north.key", "south.key", "south-2.key"] {
      let key = try OfficeKey(fileBytes: try offices.bytes(file), path: file)
      secrets += [
        Hex.encode(key.secret), Hex.encode(key.secret).uppercased(),
        Data(key.secret).base64EncodedString(),
      ]
    }
    #expect(offices.results.count > 40)
    for (command, result) in offices.results {
      for secret in secrets {
        #expect(!result.output.contains(secret), "\(command) printed a secret")
        #expect(!result.errors.contains(secret), "\(command) printed a secret")
      }
    }
    // Bundles and journals carry key ids, never secrets.
    for file in ["north-1.sub", "south-1.sub", "north-1.reply", "hq/journal/0000000001.jsonl"] {
      let text = String(decoding: try offices.bytes(file), as: UTF8.self)
      for secret in secrets { #expect(!text.contains(secret), "\(file) holds a secret") }
    }
  }

  @Test("revoking an office, then enrolling it again: old-key bundles stay refused; new key syncs")
  func revokeAndReEnroll() throws {
    let offices = Offices(branches: ["north"])
    offices.submit("north", "north-1.sub")
    offices.must(["merge", "north-1.sub"], "hq")
    offices.must(["office", "revoke", "north"], "hq")
    offices.put("north", "north-o-4", amount: "40.00")
    offices.submit("north", "north-2.sub")
    offices.mergeRefused("north-2.sub", status: 77, reason: ["revoked key of office 'north'"])
    let enrolled = offices.must(["office", "add", "north", "--key-out", "north-new.key"], "hq")
    #expect(enrolled.contains("Enrolled office 'north'"))
    // The old key stays refused after the new one is issued.
    offices.mergeRefused(
      "north-2.sub", status: 77, reason: ["revoked key", "unknown key"],
      "old key after re-enrolling")
    // The branch's repository already exists, so `init --key` cannot take the new key ...
    offices.refused(
      ["init", "--office", "north", "--key", "north-new.key"], "north", status: 73, file: "north",
      reason: ["already an Outpost repository"])
    // ... and a fresh repository with the new key restarts at seq 1, which head office has seen.
    offices.must(["init", "--office", "north", "--key", "north-new.key"], "north-new")
    offices.temp.write("again.csv", Offices.orders("north", 1...4))
    offices.must(["import", "orders", "again.csv"], "north-new")
    offices.submit("north-new", "new-1.sub")
    let result = offices.run(["merge", "new-1.sub"], "hq")
    #expect(result.status == 0, "\(result.errors)")
    #expect(offices.orders("hq").contains("north-o-4"))
  }
}
