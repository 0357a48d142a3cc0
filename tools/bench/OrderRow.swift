/// An `orders` record as an application would declare it for `Codable`: the row Outpost
/// exports (`outpost export orders --format ndjson`), with decimals as strings (they are JSON
/// strings in Outpost's canonical form) and `null` for what was not recorded.
struct OrderRow: Codable, Equatable {
  var orderID: String
  var officeID: String
  var customerID: String
  var channelID: String
  var campaignID: String?
  var orderDate: String
  var quantity: Int
  var amount: String
  var cogs: String?
  var status: String
  var placedAt: String?
  var fulfilledAt: String?
  var shippedAt: String?
  var deliveredAt: String?

  enum CodingKeys: String, CodingKey {
    case orderID = "order_id"
    case officeID = "office_id"
    case customerID = "customer_id"
    case channelID = "channel_id"
    case campaignID = "campaign_id"
    case orderDate = "order_date"
    case quantity
    case amount
    case cogs
    case status
    case placedAt = "placed_at"
    case fulfilledAt = "fulfilled_at"
    case shippedAt = "shipped_at"
    case deliveredAt = "delivered_at"
  }

  /// Encodes every member, writing `null` for absent values as Outpost's export does (the
  /// synthesized encoder would leave them out, producing less output than the other engines).
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(orderID, forKey: .orderID)
    try container.encode(officeID, forKey: .officeID)
    try container.encode(customerID, forKey: .customerID)
    try container.encode(channelID, forKey: .channelID)
    try container.encode(campaignID, forKey: .campaignID)
    try container.encode(orderDate, forKey: .orderDate)
    try container.encode(quantity, forKey: .quantity)
    try container.encode(amount, forKey: .amount)
    try container.encode(cogs, forKey: .cogs)
    try container.encode(status, forKey: .status)
    try container.encode(placedAt, forKey: .placedAt)
    try container.encode(fulfilledAt, forKey: .fulfilledAt)
    try container.encode(shippedAt, forKey: .shippedAt)
    try container.encode(deliveredAt, forKey: .deliveredAt)
  }
}

/// The large document: one object holding every order by id, shaped like a record file.
struct OrdersDocument: Codable {
  var collection: String
  var format: String
  var records: [String: OrderRow]
}
