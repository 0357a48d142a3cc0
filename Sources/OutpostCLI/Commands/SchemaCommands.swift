import OutpostCodec
import OutpostModel
import OutpostStore

/// `schema add`: a custom collection from a schema file (SPEC.md §2.6).
extension Commands {
  static let schemaCommands: [CommandSpec] = [
    CommandSpec(
      name: "schema add", abstract: "Add a collection from a schema file (outpost-schema/1).",
      arguments: ["<file>"], arity: (1, 1), options: [],
      discussion: "The schema is checked in full (names, types, id rule), journaled like a "
        + "record and written to schemas/<collection>.json. Adding the identical schema again "
        + "changes nothing; a different schema under an existing name is refused. See SPEC.md "
        + "§2.6 for the format.",
      examples: ["outpost schema add visits_log.schema.json"], run: addSchema)
  ]

  static func addSchema(_ context: Context) throws {
    let argument = context.invocation.positionals[0]
    let bytes = try context.readInputFile(argument, .schemaFile).bytes
    let json: JSONValue
    do { json = try JSONParser.parse(bytes) } catch {
      throw CLIError(.dataError, "\(argument): \(error)", hint: "A schema file is strict JSON.")
    }
    let schema: CollectionSchema
    do { schema = try SchemaFile.decode(json) } catch {
      throw CLIError(
        .dataError, "\(argument): \(error.message)",
        hint: "See SPEC.md §2.6 for the schema format.")
    }
    let repository = try context.openWriter()
    let added: Bool
    do { added = try repository.addSchema(schema, json: json) } catch { throw CLIError(error) }
    context.console.out(
      added
        ? "Added collection '\(schema.name)' (\(schema.fields.count) field(s)); import into it "
          + "with: outpost import \(schema.name) FILE\n"
        : "Collection '\(schema.name)' already has this schema; nothing changed.\n")
  }
}
