/// The Chinese and English labels of every column of every standard collection (SPEC.md §3.7).
///
/// The terms are those Chinese business users and the ad platforms write in their spreadsheets
/// and exports (`展现量`, `点击量`, `消费`, `订单号`), so a header in either language names its
/// column (``CollectionSchema/column(forHeader:)``). ``StandardCollections`` labels each
/// collection from here, and stops if a column has no label or a label names no column. Where a
/// KPI of the catalog is an aggregate of one field, the field's Chinese label agrees with the
/// KPI's (`OutpostKPITests` checks it).
enum StandardLabels {
  /// The labels of `collection`'s columns, by column: its own entries, else the common ones.
  ///
  /// Entries for a column the collection lacks are returned too, so the caller can refuse them.
  static func labels(of collection: String, columns: [String]) -> [String: FieldLabel] {
    let own = specific[collection] ?? [:]
    var labels: [String: FieldLabel] = [:]
    for column in columns {
      if let label = own[column] ?? common[column] {
        labels[column] = FieldLabel(zh: label.zh, en: label.en)
      }
    }
    for (column, label) in own where !columns.contains(column) {
      labels[column] = FieldLabel(zh: label.zh, en: label.en)
    }
    return labels
  }

  typealias Label = (zh: String, en: String)

  /// Columns that mean the same in every collection that has them.
  static let common: [String: Label] = [
    "office_id": ("分部编号", "Office ID"),
    "source_id": ("源系统编号", "Source system ID"),
    "channel_id": ("渠道", "Channel"),
    "date": ("日期", "Date"),
    "customer_id": ("客户编号", "Customer ID"),
    "order_id": ("订单号", "Order ID"),
    "lead_id": ("线索编号", "Lead ID"),
    "invoice_id": ("发票号", "Invoice ID"),
    "campaign_id": ("推广计划编号", "Campaign ID"),
    "staff_id": ("员工编号", "Staff ID"),
    "account_id": ("账户编号", "Account ID"),
    "active_from": ("开始日期", "Active from"),
    "active_to": ("结束日期", "Active to"),
    "name_zh": ("中文名称", "Chinese name"),
    "name_en": ("英文名称", "English name"),
    "note": ("备注", "Note"),
    "period": ("期间", "Period"),
    "status": ("状态", "Status"),
    "quantity": ("数量", "Quantity"),
    "version": ("版本", "Version"),
    "published_at": ("发布时间", "Published at"),
    "collection": ("数据集", "Collection"),
    "impressions": ("展现量", "Impressions"),
    "clicks": ("点击量", "Clicks"),
    "consultations": ("咨询量", "Consultations"),
  ]

  /// Each collection's own columns, and common ones it labels differently.
  static let specific: [String: [String: Label]] = [
    "channel_daily": [
      "visits": ("访问量", "Visits"),
      "page_views": ("浏览量", "Page views"),
      "engaged_visits": ("有效访问量", "Engaged visits"),
      "consult_calls": ("咨询电话量", "Consultation calls"),
      "registrations": ("注册量", "Registrations"),
      "downloads": ("下载量", "Downloads"),
      "subscriptions": ("订阅量", "Subscriptions"),
      "spend": ("花费", "Spend"),
      "emails_sent": ("邮件发送量", "Emails sent"),
      "emails_delivered": ("邮件送达量", "Emails delivered"),
      "email_unique_opens": ("邮件独立打开数", "Unique email opens"),
      "email_unique_clicks": ("邮件独立点击数", "Unique email clicks"),
    ],
    "index_snapshots": [
      "search_engine": ("搜索引擎", "Search engine"),
      "snapshot_date": ("快照日期", "Snapshot date"),
      "indexed_pages": ("收录数", "Indexed pages"),
    ],
    "social_daily": [
      "platform": ("平台", "Platform"),
      "followers_total": ("关注量", "Total followers"),
      "likes": ("点赞数", "Likes"),
      "comments": ("评论数", "Comments"),
      "shares": ("分享数", "Shares"),
      "mentions": ("提及数", "Mentions"),
      "positive_mentions": ("正面提及数", "Positive mentions"),
      "negative_mentions": ("负面提及数", "Negative mentions"),
    ],
    "leads": [
      "created_date": ("创建日期", "Created date"),
      "source_type": ("来源方式", "Source type"),
      "has_need": ("有需求", "Has a need"),
      "has_contact": ("有联系方式", "Has contact details"),
      "assigned_to": ("跟进人", "Assigned to"),
      "first_followup_date": ("首次跟进日期", "First follow-up date"),
    ],
    "customers": [
      "acquired_date": ("获客日期", "Acquired date"),
      "acquisition_channel_id": ("获客渠道", "Acquisition channel"),
      "acquisition_campaign_id": ("获客推广计划编号", "Acquisition campaign ID"),
      "kind": ("客户类型", "Customer type"),
      "district": ("地区", "District"),
    ],
    "orders": [
      "order_date": ("下单日期", "Order date"),
      "amount": ("订单金额", "Order amount"),
      "cogs": ("销售成本", "Cost of goods sold"),
      "placed_at": ("下单时间", "Placed at"),
      "fulfilled_at": ("处理完成时间", "Fulfilled at"),
      "shipped_at": ("发货时间", "Shipped at"),
      "delivered_at": ("签收时间", "Delivered at"),
      "salesperson_id": ("销售员", "Salesperson"),
    ],
    "returns": [
      "return_id": ("退货单号", "Return ID"),
      "return_date": ("退货日期", "Return date"),
      "quantity": ("退货数量", "Quantity returned"),
      "refund_amount": ("退款金额", "Refund amount"),
      "cogs_reversed": ("冲回成本", "COGS reversed"),
      "reason_code": ("退货原因", "Reason code"),
    ],
    "invoices": [
      "issue_date": ("开票日期", "Issue date"),
      "due_date": ("到期日期", "Due date"),
      "amount": ("发票金额", "Invoice amount"),
    ],
    "payments": [
      "payment_id": ("收款单号", "Payment ID"),
      "payment_date": ("收款日期", "Payment date"),
      "amount": ("收款金额", "Amount received"),
    ],
    "complaints": [
      "complaint_id": ("投诉编号", "Complaint ID"),
      "received_date": ("受理日期", "Received date"),
      "channel": ("投诉渠道", "Complaint channel"),
      "category": ("投诉类别", "Category"),
      "resolved_date": ("解决日期", "Resolved date"),
      "handled_by": ("处理人", "Handled by"),
    ],
    "survey_responses": [
      "response_id": ("答卷编号", "Response ID"),
      "response_date": ("答卷日期", "Response date"),
      "survey_type": ("调查类型", "Survey type"),
      "score": ("得分", "Score"),
      "max_score": ("满分", "Maximum score"),
      "aware": ("知晓品牌", "Aware of the brand"),
    ],
    "costs": [
      "month": ("月份", "Month"),
      "cost_type": ("费用类型", "Cost type"),
      "amount": ("费用金额", "Cost amount"),
    ],
    "staff": [
      "name": ("姓名", "Name"),
      "position": ("岗位", "Position"),
      "department": ("部门", "Department"),
    ],
    "ad_accounts": [
      "platform": ("广告平台", "Ad platform"),
      "owner": ("负责人", "Owner"),
    ],
    "ad_daily": [
      "campaign_name": ("推广计划名称", "Campaign name"),
      "cost": ("消费", "Cost"),
    ],
    "tasks": [
      "task_id": ("任务编号", "Task ID"),
      "period": ("月份", "Month"),
      "kind": ("内容类型", "Content kind"),
      "planned": ("计划数", "Planned"),
      "done": ("完成数", "Done"),
    ],
    "targets": [
      "target_id": ("目标编号", "Target ID"),
      "kpi_id": ("指标", "KPI"),
      "scope": ("范围", "Scope"),
      "scope_key": ("范围对象", "Scope key"),
      "period_grain": ("期间粒度", "Period grain"),
      "target_value": ("目标值", "Target value"),
      "direction": ("方向", "Direction"),
      "worst": ("最差值", "Worst"),
      "best": ("最佳值", "Best"),
    ],
    "offices": [
      "region": ("区域", "Region"),
      "currency": ("币种", "Currency"),
      "timezone": ("时区", "Time zone"),
    ],
    "channels": [
      "is_web": ("网站渠道", "Web channel"),
      "is_paid": ("付费渠道", "Paid channel"),
    ],
    "positions": [
      "position_id": ("岗位编号", "Position ID"),
      "department_id": ("所属部门", "Department"),
    ],
    "departments": [
      "department_id": ("部门编号", "Department ID")
    ],
    "resolutions": [
      "resolution_id": ("裁决编号", "Resolution ID"),
      "record_id": ("记录编号", "Record ID"),
      "fields": ("字段", "Fields"),
      "choice": ("裁决结果", "Choice"),
      "decided_by": ("裁决人", "Decided by"),
      "decided_at": ("裁决时间", "Decided at"),
      "rule": ("规则", "Rule"),
      "candidates": ("候选值", "Candidates"),
    ],
    "resolution_rules": [
      "field": ("字段", "Field"),
      "prefer": ("优先采用", "Prefer"),
    ],
    "kpi_definitions": [
      "definition_id": ("定义编号", "Definition ID"),
      "hash": ("哈希值", "Hash"),
      "document": ("定义文档", "Document"),
    ],
    "rating_criteria": [
      "criterion_id": ("评分项编号", "Criterion ID"),
      "positions": ("适用岗位", "Positions"),
    ],
    "qualitative_ratings": [
      "rating_id": ("评分编号", "Rating ID"),
      "subject": ("被评人", "Subject"),
      "criterion_id": ("评分项", "Criterion"),
      "score": ("评分", "Score"),
      "rater": ("评分人", "Rater"),
    ],
    "policies": [
      "policy": ("策略", "Policy"),
      "value": ("取值", "Value"),
    ],
    "import_profiles": [
      "profile_id": ("导入模板名称", "Profile name"),
      "profile": ("导入模板", "Import profile"),
      "description": ("说明", "Description"),
    ],
  ]
}
