import OutpostCodec
import OutpostModel
import OutpostStore

/// `schema add`: a custom collection from a schema file (SPEC.md §2.6).
extension Commands {
  /// `schema add FILE`.
  struct SchemaAddCommand: Command {
    static let name = "schema add"
    static let abstract = "Add a collection from a schema file (outpost-schema/1)."
    static let arguments = ["<file>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "The schema is checked in full (names, types, id rule), journaled like a "
      + "record and written to schemas/<collection>.json. Adding the identical schema again "
      + "changes nothing; a different schema under an existing name is refused. See SPEC.md "
      + "§2.6 for the format."
    static let examples = ["outpost schema add visits_log.schema.json"]

    static func run(_ options: Options, _ context: Context) throws {
      let argument = context.arguments[0]
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
}
