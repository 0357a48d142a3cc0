import Outpost
import OutpostCodec
import OutpostModel

extension Commands.ImportCommand {
  /// Prints what `import --dry-run` found (SPEC.md §3.6), or a refused import's problems as
  /// JSON: `outpost-import-preview/1`.
  static func printPreview(
    _ context: Context, _ importer: Importer, _ preview: ImportPreview, _ file: String
  ) throws {
    let reading = preview.reading
    let counts = reading.counts
    let sample = reading.rows.prefix(5)
    if context.format() == .json {
      let optional: (String?) -> JSONValue = { $0.map(JSONValue.string) ?? .null }
      let problems: [JSONValue] = reading.problems.map { problem in
        let at = problem.location
        return .object(
          JSONObject(uncheckedPairs: [
            ("column", at.column.map { Commands.number($0) } ?? .null),
            ("field", optional(at.field)), ("file", optional(at.file ?? file)),
            ("line", at.line.map { Commands.number($0) } ?? .null),
            ("message", .string(problem.message)), ("rule", optional(at.rule)),
          ]))
      }
      let records: [JSONValue] = sample.map { row in
        let fields = row.fields.map { ($0.key, $0.value) }.sorted {
          $0.0.utf8.lexicographicallyPrecedes($1.0.utf8)
        }
        return .object(
          JSONObject(uncheckedPairs: [
            ("fields", .object(JSONObject(uncheckedPairs: fields))),
            ("id", .string(row.id.rawValue)), ("line", Commands.number(row.line)),
          ]))
      }
      Commands.printJSON(
        context, "outpost-import-preview/1",
        [
          ("collection", .string(importer.schema.name)), ("file", .string(file)),
          ("profile", optional(importer.profile?.name ?? importer.profile?.source)),
          (
            "rows",
            .object(
              JSONObject(uncheckedPairs: [
                ("blank", Commands.number(counts.blank)), ("read", Commands.number(counts.read)),
                ("skipped", Commands.number(counts.skipped)),
                ("stopped", Commands.number(counts.stopped)),
              ]))
          ),
          ("records", Commands.number(counts.records)),
          ("created", Commands.number(preview.created)),
          ("updated", Commands.number(preview.updated)),
          ("unchanged", Commands.number(preview.unchanged)),
          ("sample", .array(records)), ("problems", .array(problems)), ("ok", .bool(preview.ok)),
        ])
      return
    }
    var text = "preview of \(file) → \(importer.schema.name)"
    if let profile = importer.profile { text += " (profile \(profile.name ?? profile.source))" }
    text += "; nothing was written\n"
    text += "  rows: \(counts.read) read"
    if counts.blank > 0 { text += ", \(counts.blank) blank skipped" }
    if counts.skipped > 0 { text += ", \(counts.skipped) skipped by skip_rows" }
    if counts.stopped > 0 { text += ", \(counts.stopped) not read after stop_at" }
    text += "\n"
    if preview.ok {
      let merged = counts.records < counts.read - counts.blank - counts.skipped
      text += "  records: \(counts.records)\(merged ? " (after aggregate)" : ""): would create "
      text +=
        "\(preview.created), update \(preview.updated), leave \(preview.unchanged) unchanged\n"
      if !sample.isEmpty { text += "  first records, as they would be stored:\n" }
      for row in sample {
        text += "    line \(row.line)  \(row.id)\n"
        for field in importer.schema.fields where row.fields[field.name] != nil {
          text += "      \(field.name) = \(show(row.fields[field.name]!))\n"
        }
      }
    } else {
      text += "  \(reading.problems.count) problem(s):\n"
      for problem in reading.problems {
        let at = problem.location
        text += "    \(at.file ?? file)\(at.line.map { ":\($0)" } ?? ""): \(problem.message)\n"
      }
    }
    context.console.out(text)
  }

  private static func show(_ value: JSONValue) -> String {
    switch value {
    case .null: "(empty)"
    case .string(let text): text
    default: JSONWriter.canonicalString(value)
    }
  }
}
