import Foundation
import OutpostCodec
import OutpostTestRandom
import Testing

/// Zip archives (PKWARE APPNOTE) and CRC-32 against reference data: an archive written by
/// Python's `zipfile` (stored, DEFLATE and empty entries, a Chinese name, a comment), one whose
/// local header uses ZIP64 sizes, and damaged copies that are refused with what is wrong.
struct ZipArchiveTests {
  static let workbook = """
    UEsDBBQAAAAAAAAAIQDuR1hmHQAAAB0AAAATAAAAW0NvbnRlbnRfVHlwZXNdLnhtbDw/eG1sIHZlcnNpb249IjEu
    MCI/PjxUeXBlcy8+UEsDBBQAAAAIAFKQhl2+umbUsQgAAIo6AAAYAAAAeGwvd29ya3NoZWV0cy9zaGVldDEueG1s
    fdvtil3XEYThWzG6gGjX6u71AbLAITdijMH/ArZwbj8zWq3TzeCqf8n4pCHZ7yjH9Wx/+euP33//9p9fv/369cuf
    //3fT3/+/Amfvn757f1f/IJPP337+dNfb//+76/48vnvr18+/5Z/7d/4/lP7V7x+/vntP/86Ml5HRjsyPhwZ3386
    2RF7HbF2xD4cse8/PeyIv454O+Ifjvj9LznYlXhdiXYlPlyJeyXYlfm6MtuV+eHKvFc2u7JeV1a78ny4su7/4mBX
    9uvKFo953yvOrpzXlSOe87k/XewKnmruEY/6++fefvzQQy1eiMeNzJf2iwoYQzxx3ISNNoyKGCYeOm7GRjtGhQwX
    zx03Zacpo1pGqN/wW7PTmlE5Y4qnjxu006BRRWOpx3+bDto0Kmps9fhv1kGzRnWNox7/LTto2aPKHo94/OOWPWnZ
    o8oeEI9/3LIn/5O5/dE8xOMf+YczLXtU2cPUH/K37EnLHlX2cPH4xy170bJHlT1CPP5xy1607FFljyke/7hlL1r2
    qLLHUo//lr1p2aPKHls9/lv2pmWPKnsc9fhv2ZuWbVW2PeLx2y370LKtyjao/5+/ZR9atlXZNsTjt1v24d872hcP
    E4/f8qsHLduqbHPx+C2/fjw0bau0LcTzt/wK8tC2rdq2KQKw/Bry0Lit4ralCrhxA7Ruq7ptqwR2XqJ5W+VtRzVw
    8hLt26tvf0QE/uRXRxq4V+AOUYEjL9HCvQr3ISrwkZdo4l6Ju4kK3PIS/37dvmC7qMCzcaONezXuISrwbNxo416N
    +xQVeDZutHGvxn2pCrJxp417Ne5bVZCNO23cq3E/qoJs3GnjUY3HIyqIbDxo41GNB0QFkY0HbTyq8RiigsjGgzYe
    1XiYqCCy8aCNRzUeLiqIbHzyv49sfyMZooLIxidtPKrxmKKCyMYnbTyq8Viqgmx80cajGo+tKsjGF208qvE4qoJs
    fNHGZzU+H1HBzMY3bXxW4xOigpmNb9r4rMbnEBXMbHzTxmc1Pk1UMLPxTRuf1fh0UcHMxg9tfFbjM0QFMxs/fC9p
    g8kUFcxs/NDGZzU+l6ogZ5OHNj6r8blVBTmdPLTxWY3PoyrI+eShja9qfD2ignUbH6CNr2p8qflvIS/Rxlc1vtQG
    uEZeoo2vanypIXBZXqKNr2p8qTVw3cbHoI2vanypRXBFXqKNr2p8qVVwzbzEd8E2DMplMBs32viqxpdaB1c2brTx
    VY0vtRCubNxo47sa32oj3Nm408Z3Nb7VSLizcaeN72p8q5VwZ+NOG9/V+FYz4c7GnTa+q/GtdsKdjQdtfFfjWw2F
    OxsP2viuxrdaCnc2HrTxXY1vNRXubHzy/bsN4Gor3Nn4pI3vanyrsXBn45M2fqrxo9bCk40v2vipxo+aC082vmjj
    pxo/ai882fiijZ9q/KjB8GTjizZ+qvGjFsOTjW/a+KnGj5oMTza+aeOnGj9qMzzZ+KaNn2r8qNHwZOOHNn6q8aNW
    w5ONH+48DXrUbHiy8SOsp2OPWg7vJ9+5h3vP08DnUevh/eT7MW4+T0OfRy2I95Pvx7j7PA1+HrUi3k++H+P28zT8
    edSSeD/5doxTJp4GQI8aE+8n349xA3oaAj1qT7yffD/GHehpEPSoSfF+8u0Y9008DYMetSreT74f4x70NBB61LB4
    P/l+jP8GdO6E2hbxAzyVeHbyVPMiXujJfwM6e0ItjPgBn0I+O31CjYz4gZ9CPzt/Qu2MSAA1IaCdQKGmRiSCmlDQ
    zqBQayMSQk1IaKdQqMERiaEmNLRzKNTmiARREyLaSRRqdkSiqHEVRWNRDLU8ImHUuIyi0SiGGh+ROGpcRzE6/Kv9
    EeMH/fPfgEakGGqCRCKpcSVFY1IMtUIiodS4lKJRKYYaIpFYalxL0bgUQ22RSDA1LqZoZIqh5kgkmhpXUzQ2xVCL
    JBJOjcspGp1iqFESiafG9RSNT2Fql0QCqnFBRSNUmJomkYhqXFHRGBWm1kkkpBqXVDRKhamBEompxjUVjVNhaqNE
    gqpzUEUTVZiaKZGm6txU0VAVppZKJKs6Z1U0V4WpsRIpq85lFY1WYWqvROKqc1xF01WYmiyRvurcV9GAFa5WSySx
    OidWNGOFy/cWU1mdKysas8LVdomEVufQiiatcDVfIq3VubXC+0tgasFEcqtzbkXzVrgaMZHi6lxc0cgVrnZMJLo6
    R1c0dYWrKRPprs7dFQ1e4WrNRNKrc3pFs1e4GjSR+upcX9H4FSHfe0yAdQ6waAKLkO8+psE6N1g0hEXI9x+TYZ0z
    LJrDIuQ7kCmxziUWjWIR8j3IxFjnGIvor0LqdyHzN4B7LBrIIuT7kEmyzkkWzWQR8p3IVFnnKovGsgj5XmTCrHOY
    RZNZhHw3Mm3Wuc2i4SymWjyRPOucZ9F8FlONnkihdS60aESLqXZPJNI6R1o0pcVU0yfSaZ07LRrUYqr1E0m1zqkW
    zWox1QCK1FrnWovZXwhWGygSbJ2DLZrYYqoZFGm2wc0WDW0x1RKKZNvgbIvmtphqDEXKbXC5RaNbLLmGJt4Gx1s0
    vcWSa2j6bXC/RQNcLLmGJuEGJ1w0w8WSa2gqbnDFRWNcLLmGJuQGh1w0ycWSa2habnDLRcNcLLmGJucG51ys/lq8
    XENTdIOLLhrpYsk1NFE3OOqiqS6WXEPTdYO7LhrsYss1NGk3OO2i2S62XENTd4PrLhrvYss1NIE3OPCiCS+2XEPT
    eIMbLxryYss1NJk3OPOiOS+2XENTeoNLLxr1Yss1NLE3OPaiaS+2XEPTe4N7Lxr4Yss1NMk3OPmimS+2XENTfYOr
    Lxr74sg1NOE3OPyiyS+OXEPTfoPbLxr+4sg1NPk3OP+i+S+OXENTgIMLMBoB48g1NBE4OAKjKTCOXEPTgYM7MBoE
    48g1NCk4OAWjWTCOXENTg4NrMBoH48g1NEE4OAijiTCOXEPThOMfTPhz/eOn/wdQSwMEFAAACAgAUpCGXaZPS04r
    AAAAJgAAABEAAADmlbDmja4v6K+05piOLnR4dAEmANn/5pel5pyfLOa4oOmBkwoyMDI1LTAzLTAxLOaQnOe0ouaO
    qOW5vwpQSwMEFAAAAAgAUpCGXQAAAAACAAAAAAAAAAkAAABlbXB0eS50eHQDAFBLAQIUAxQAAAAAAAAAIQDuR1hm
    HQAAAB0AAAATAAAAAAAAAAAAAACAAQAAAABbQ29udGVudF9UeXBlc10ueG1sUEsBAhQDFAAAAAgAUpCGXb66ZtSx
    CAAAijoAABgAAAAAAAAAAAAAAIABTgAAAHhsL3dvcmtzaGVldHMvc2hlZXQxLnhtbFBLAQIUAxQAAAgIAFKQhl2m
    T0tOKwAAACYAAAARAAAAAAAAAAAAAACAATUJAADmlbDmja4v6K+05piOLnR4dFBLAQIUAxQAAAAIAFKQhl0AAAAA
    AgAAAAAAAAAJAAAAAAAAAAAAAACAAY8JAABlbXB0eS50eHRQSwUGAAAAAAQABAD9AAAAuAkAABUAbWFkZSBmb3Ig
    SW5mbGF0ZVRlc3Rz
    """

  /// A one-entry archive by `zipfile` with `force_zip64`: ZIP64 sizes in the local header only.
  static let zip64Header =
    "UEsDBC0AAAAAAAAAIQCGphA2//////////8HABQAYmlnLnR4dAEAEAAFAAAAAAAAAAUAAAAAAAAAaGVsbG9QSwEC"
    + "LQMtAAAAAAAAACEAhqYQNgUAAAAFAAAABwAAAAAAAAAAAAAAgAEAAAAAYmlnLnR4dFBLBQYAAAAAAQABADUAAAA+"
    + "AAAAAAA="

  static func bytes(_ base64: String) -> [UInt8] {
    Array(Data(base64Encoded: base64, options: .ignoreUnknownCharacters)!)
  }

  func failure(_ body: () throws(ZipArchive.Failure) -> Void) -> String? {
    do {
      try body()
      return nil
    } catch { return error.message }
  }

  @Test("CRC-32 check values (ITU-T V.42)")
  func crc() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
    #expect(
      CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
  }

  @Test("zipfile's archive: every entry, stored, deflated, empty and with a Chinese name")
  func reference() throws {
    let archive = try ZipArchive(Self.bytes(Self.workbook))
    #expect(
      archive.entries.map(\.name) == [
        "[Content_Types].xml", "xl/worksheets/sheet1.xml", "数据/说明.txt", "empty.txt",
      ])
    #expect(archive.entries.map(\.method) == [0, 8, 8, 8])
    let sheet = try #require(archive.entry(named: "xl/worksheets/sheet1.xml"))
    let xml = try archive.contents(of: sheet, limit: 1 << 20)
    #expect(xml.count == 14_986 && CRC32.checksum(xml) == 3_563_502_270)
    #expect(String(decoding: xml, as: UTF8.self).hasPrefix("<sheetData><row r=\"1\">"))
    let note = try #require(archive.entry(named: "数据/说明.txt"))
    #expect(
      String(decoding: try archive.contents(of: note, limit: 100), as: UTF8.self)
        == "日期,渠道\n2025-03-01,搜索推广\n")
    let types = try #require(archive.entry(named: "[Content_Types].xml"))
    #expect(
      try archive.contents(of: types, limit: 100) == Array(#"<?xml version="1.0"?><Types/>"#.utf8))
    #expect(try archive.contents(of: archive.entries[3], limit: 0) == [])
    #expect(archive.entry(named: "xl/workbook.xml") == nil)
    // ZIP64 sizes in a local header: the directory's sizes are the ones read.
    let small = try ZipArchive(Self.bytes(Self.zip64Header))
    #expect(try small.contents(of: small.entries[0], limit: 5) == Array("hello".utf8))
  }

  @Test("sizes are bounded before anything is decompressed")
  func limit() throws {
    let archive = try ZipArchive(Self.bytes(Self.workbook))
    let sheet = try #require(archive.entry(named: "xl/worksheets/sheet1.xml"))
    #expect(
      failure { () throws(ZipArchive.Failure) in _ = try archive.contents(of: sheet, limit: 14_985)
      }
        == "'xl/worksheets/sheet1.xml' is 14986 bytes once decompressed, more than the 14985 "
        + "accepted")
  }

  @Test("damaged archives are refused with what is wrong")
  func damaged() throws {
    let good = Self.bytes(Self.workbook)
    #expect(
      failure { () throws(ZipArchive.Failure) in _ = try ZipArchive([0x50, 0x4B]) }
        == "not a zip archive (too short)")
    #expect(
      failure { () throws(ZipArchive.Failure) in _ = try ZipArchive(Array(good.dropLast(10))) }
        == "not a zip archive (no end of central directory record)")
    // A byte of the stored entry's contents changed: its CRC-32 no longer matches.
    let archive = try ZipArchive(good)
    let types = archive.entries[0]
    var flipped = good
    let start = try #require(
      (0..<(good.count - 5)).first { Array(good[$0..<($0 + 5)]) == Array("<?xml".utf8) })
    flipped[start + 2] ^= 0x20
    let damaged = try ZipArchive(flipped)
    #expect(
      failure { () throws(ZipArchive.Failure) in _ = try damaged.contents(of: types, limit: 100) }
        == "'[Content_Types].xml' fails its CRC-32 check (damaged file?)")
    // The central directory entry of the sheet, patched: encrypted, then method 12 (bzip2).
    let directory = try #require(
      (0..<(good.count - 4)).first {
        good[$0..<($0 + 4)] == [0x50, 0x4B, 0x01, 0x02]
      })
    let second = try #require(
      ((directory + 4)..<(good.count - 4)).first {
        good[$0..<($0 + 4)] == [0x50, 0x4B, 0x01, 0x02]
      })
    var encrypted = good
    encrypted[second + 8] |= 1
    #expect(
      failure { () throws(ZipArchive.Failure) in _ = try ZipArchive(encrypted) }
        == "'xl/worksheets/sheet1.xml' is encrypted")
    var bzip2 = good
    bzip2[second + 10] = 12
    let other = try ZipArchive(bzip2)
    #expect(
      failure { () throws(ZipArchive.Failure) in
        _ = try other.contents(of: other.entries[1], limit: 1 << 20)
      }?.contains("uses compression method 12") == true)
    // The archive cut after the directory's start: entries run past the end.
    #expect(
      failure { () throws(ZipArchive.Failure) in
        _ = try ZipArchive(Array(good[..<(second + 20)]) + Array(good[(good.count - 22)...]))
      } != nil)
  }

  @Test("seeded damage anywhere in the archive is read or refused, never a crash")
  func seededDamage() {
    let seed = testSeed(6_3)
    var rng = SplitMix64(seed: seed)
    let good = Self.bytes(Self.workbook)
    var refused = 0
    for iteration in 0..<2_000 {
      var bytes = good
      for _ in 0...Int(rng.next() % 4) {
        bytes[Int(rng.next() % UInt64(bytes.count))] ^= UInt8(
          truncatingIfNeeded: 1 + rng.next() % 255)
      }
      if iteration % 5 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count)))) }
      do {
        let archive = try ZipArchive(bytes)
        for entry in archive.entries {
          do {
            let contents = try archive.contents(of: entry, limit: 1 << 16)
            #expect(CRC32.checksum(contents) == entry.crc32, "seed \(seed) \(iteration)")
          } catch { refused += 1 }
        }
      } catch { refused += 1 }
    }
    #expect(refused > 500, "seed \(seed)")
  }
}
