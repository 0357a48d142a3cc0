extension SheetReader {
  /// The value of the cell just read, by its type (`t`) and, for numbers, its style (`s`).
  func cellValue() throws(SpreadsheetError) -> SheetCell {
    let name = cell.reference.name
    let value = cell.value
    if cell.type == "inlineStr" {
      return try text(cell.inline, cell: name)
    }
    guard cell.hasValue && (!value.isEmpty || cell.type == "str") else {
      // A formula saved without its result: an error value, refused where the cell is read.
      return cell.hasFormula ? .error("") : .empty
    }
    switch cell.type {
    case "n": return try number(value, cell: name)
    case "s": return try sharedString(value, cell: name)
    case "str": return try text(value, cell: name)
    case "b":
      switch value {
      case "1": return .boolean(true)
      case "0": return .boolean(false)
      default:
        throw failure(
          "the cell is a boolean holding '\(value)', not 1 or 0; " + Self.damaged, cell: name)
      }
    case "e": return .error(value)
    case "d": return .date(value)
    default:
      throw failure(
        "the cell has type t=\"\(cell.type)\", which is not a spreadsheet cell type (n, s, str, "
          + "inlineStr, b, e, d); " + Self.damaged, cell: name)
    }
  }

  func text(_ raw: String, cell name: String) throws(SpreadsheetError) -> SheetCell {
    guard let text = Escapes.decode(raw) else {
      throw failure(
        "the cell's text holds an escape (_xD800_ to _xDFFF_) that is half a character; "
          + Self.damaged, cell: name)
    }
    return text.isEmpty ? .empty : .text(text)
  }

  func sharedString(_ value: String, cell name: String) throws(SpreadsheetError) -> SheetCell {
    guard let strings = context.sharedStrings else {
      throw failure(
        "the cell refers to shared string \(value), but the workbook has no shared strings "
          + "part; " + Self.damaged, cell: name)
    }
    guard value.utf8.allSatisfy({ (48...57).contains($0) }), value.utf8.count <= 10,
      let index = Int(value), strings.indices.contains(index)
    else {
      throw failure(
        "the cell refers to shared string '\(value)', but the workbook has \(strings.count) "
          + "(0 to \(strings.count - 1)); " + Self.damaged, cell: name)
    }
    return strings[index].isEmpty ? .empty : .text(strings[index])
  }

  func number(_ value: String, cell name: String) throws(SpreadsheetError) -> SheetCell {
    let number: ExcelNumber
    do throws(ExcelNumber.Problem) {
      number = try ExcelNumber(value)
    } catch .malformed {
      throw failure(
        "the cell's number is '\(value)', which is not a number; " + Self.damaged, cell: name)
    } catch {
      throw failure(
        "the cell's number \(value.prefix(40)) lies beyond the range of Excel's numbers; "
          + Self.damaged, cell: name)
    }
    guard let isDate = context.styles.isDate(cell.style) else {
      let defined =
        context.styles.present
        ? "\(context.stylesPart ?? "the styles part") defines \(context.styles.dateFormats.count)"
        : "the workbook has no styles part"
      throw failure(
        "the cell uses cell format \(cell.style), but \(defined); " + Self.damaged, cell: name)
    }
    guard isDate else { return .number(number.text) }
    do throws(ExcelDate.Problem) {
      return .date(try ExcelDate.text(number, system: context.system))
    } catch .negative {
      throw failure(
        "the cell is formatted as a date but holds \(number.text), a negative number, which "
          + "is no date; correct the cell or format it as a number", cell: name)
    } catch .beyond99991231 {
      throw failure(
        "the cell is formatted as a date but holds \(number.text), which lies after "
          + "9999-12-31; correct the cell or format it as a number", cell: name)
    } catch {
      throw failure(
        "the cell is formatted as a date but holds \(number.text), which Excel shows as "
          + "1900-02-29, a day that never was; correct the date", cell: name)
    }
  }
}
