// The default KPI definitions (SPEC.md §9.4, docs/kpis.md §5), shipped with every build; head
// office publishes them (or its own) for every office to compute with.
extension DefinitionSet {
  /// The catalog's definitions as a JSON document (`outpost-kpi-def/1`).
  public static let defaultDocument = #"""
    {
     "format": "outpost-kpi-def/1",
     "published_at": "2025-01-01T00:00:00+08:00",
     "parameters": [
      {
       "id": "clv_lifespan_years",
       "value": "3",
       "unit": "years",
       "label": {
        "zh": "客户生命周期(年)",
        "en": "Customer lifespan (years)"
       },
       "description": "Placeholder: head office sets it by publishing its own definitions."
      },
      {
       "id": "clv_margin",
       "value": "0.30",
       "unit": "ratio",
       "label": {
        "zh": "毛利率",
        "en": "Gross margin used for CLV"
       },
       "description": "Placeholder: head office sets it by publishing its own definitions."
      }
     ],
     "measures": [
      {
       "id": "impressions",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "impressions"
      },
      {
       "id": "clicks",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "clicks"
      },
      {
       "id": "visits",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "visits"
      },
      {
       "id": "page_views",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "page_views"
      },
      {
       "id": "consultations",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "consultations"
      },
      {
       "id": "consult_calls",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "consult_calls"
      },
      {
       "id": "registrations",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "registrations"
      },
      {
       "id": "downloads",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "downloads"
      },
      {
       "id": "subscriptions",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "subscriptions"
      },
      {
       "id": "emails_delivered",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "emails_delivered"
      },
      {
       "id": "email_unique_opens",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "email_unique_opens"
      },
      {
       "id": "email_unique_clicks",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "email_unique_clicks"
      },
      {
       "id": "engaged_visits",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "engaged_visits"
      },
      {
       "id": "ad_spend",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "currency:CNY",
       "field": "spend"
      },
      {
       "id": "deals",
       "source": "orders",
       "agg": "count",
       "time_field": "order_date",
       "unit": "count",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "gross_amount",
       "source": "orders",
       "agg": "sum",
       "time_field": "order_date",
       "unit": "currency:CNY",
       "field": "amount",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "units_ordered",
       "source": "orders",
       "agg": "sum",
       "time_field": "order_date",
       "unit": "count",
       "field": "quantity",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "order_cogs",
       "source": "orders",
       "agg": "sum",
       "time_field": "order_date",
       "unit": "currency:CNY",
       "field": "cogs",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "ordering_customers",
       "source": "orders",
       "agg": "count_distinct",
       "time_field": "order_date",
       "unit": "count",
       "field": "customer_id",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "return_count",
       "source": "returns",
       "agg": "count",
       "time_field": "return_date",
       "unit": "count"
      },
      {
       "id": "refund_amount",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "refund_amount"
      },
      {
       "id": "units_returned",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "count",
       "field": "quantity"
      },
      {
       "id": "cogs_reversed",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "cogs_reversed"
      },
      {
       "id": "new_customer_count",
       "source": "customers",
       "agg": "count",
       "time_field": "acquired_date",
       "unit": "count"
      },
      {
       "id": "lead_count",
       "source": "leads",
       "agg": "count",
       "time_field": "created_date",
       "unit": "count"
      },
      {
       "id": "qualified_lead_count",
       "source": "leads",
       "agg": "count",
       "time_field": "created_date",
       "unit": "count",
       "filter": [
        {
         "field": "has_need",
         "op": "eq",
         "value": true
        },
        {
         "field": "has_contact",
         "op": "eq",
         "value": true
        }
       ]
      },
      {
       "id": "complaint_count",
       "source": "complaints",
       "agg": "count",
       "time_field": "received_date",
       "unit": "count"
      },
      {
       "id": "csat_responses",
       "source": "survey_responses",
       "agg": "count",
       "time_field": "response_date",
       "unit": "count",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "csat"
        },
        {
         "field": "score",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "csat_satisfied",
       "source": "survey_responses",
       "agg": "count",
       "time_field": "response_date",
       "unit": "count",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "csat"
        },
        {
         "field": "score",
         "op": "ge",
         "value": 4
        }
       ]
      },
      {
       "id": "awareness_responses",
       "source": "survey_responses",
       "agg": "count",
       "time_field": "response_date",
       "unit": "count",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "brand_awareness"
        },
        {
         "field": "aware",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "aware_count",
       "source": "survey_responses",
       "agg": "count",
       "time_field": "response_date",
       "unit": "count",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "brand_awareness"
        },
        {
         "field": "aware",
         "op": "eq",
         "value": true
        }
       ]
      },
      {
       "id": "followers_last",
       "source": "social_daily",
       "agg": "last",
       "time_field": "date",
       "unit": "count",
       "field": "followers_total",
       "partition_by": [
        "platform"
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "social_likes",
       "source": "social_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "likes"
      },
      {
       "id": "social_comments",
       "source": "social_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "comments"
      },
      {
       "id": "social_shares",
       "source": "social_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "shares"
      },
      {
       "id": "social_mentions",
       "source": "social_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "mentions"
      },
      {
       "id": "social_positive_mentions",
       "source": "social_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "positive_mentions"
      },
      {
       "id": "indexed_pages_last",
       "source": "index_snapshots",
       "agg": "last",
       "time_field": "snapshot_date",
       "unit": "count",
       "field": "indexed_pages",
       "partition_by": [
        "search_engine"
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "other_costs",
       "source": "costs",
       "agg": "sum",
       "time_field": "month",
       "unit": "currency:CNY",
       "field": "amount"
      },
      {
       "id": "invoiced_due",
       "source": "invoices",
       "agg": "sum",
       "time_field": "due_date",
       "unit": "currency:CNY",
       "field": "amount"
      },
      {
       "id": "collected_on_due",
       "source": "payments",
       "agg": "sum",
       "time_field": "invoice.due_date",
       "unit": "currency:CNY",
       "field": "amount",
       "filter": [
        {
         "field": "payment_date",
         "op": "le",
         "value": "$period_end"
        }
       ],
       "lookup": {
        "collection": "invoices",
        "key": "invoice_id",
        "id": "invoice_id",
        "as": "invoice"
       }
      },
      {
       "id": "gross_amount_12m",
       "source": "orders",
       "agg": "sum",
       "time_field": "order_date",
       "unit": "currency:CNY",
       "field": "amount",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ],
       "window": {
        "months": 12,
        "to": "period_end"
       }
      },
      {
       "id": "refund_amount_12m",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "refund_amount",
       "window": {
        "months": 12,
        "to": "period_end"
       }
      },
      {
       "id": "ordering_customers_12m",
       "source": "orders",
       "agg": "count_distinct",
       "time_field": "order_date",
       "unit": "count",
       "field": "customer_id",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ],
       "window": {
        "months": 12,
        "to": "period_end"
       }
      },
      {
       "id": "repeat_customers_12m",
       "source": "orders",
       "agg": "count_distinct",
       "time_field": "order_date",
       "unit": "count",
       "field": "customer_id",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ],
       "min_rows": 2,
       "window": {
        "months": 12,
        "to": "period_end"
       }
      },
      {
       "id": "customers_before",
       "source": "orders",
       "agg": "count_distinct",
       "time_field": "order_date",
       "unit": "count",
       "field": "customer_id",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ],
       "window": {
        "months": 12,
        "to": "period_start"
       }
      },
      {
       "id": "repeat_order_count",
       "source": "orders",
       "agg": "count",
       "time_field": "order_date",
       "unit": "count",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        },
        {
         "field": "order_date",
         "op": "gt",
         "value": {
          "field": "customer.acquired_date",
          "days": 0
         }
        }
       ],
       "lookup": {
        "collection": "customers",
        "key": "customer_id",
        "id": "customer_id",
        "as": "customer"
       }
      },
      {
       "id": "order_channels",
       "source": "orders",
       "agg": "count_distinct",
       "time_field": "order_date",
       "unit": "count",
       "field": "channel_id",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        }
       ]
      },
      {
       "id": "gross_amount_web",
       "source": "orders",
       "agg": "sum",
       "time_field": "order_date",
       "unit": "currency:CNY",
       "field": "amount",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        },
        {
         "field": "channel_id",
         "op": "in",
         "value": [
          "seo",
          "sem",
          "social",
          "email",
          "direct"
         ]
        }
       ]
      },
      {
       "id": "refund_amount_web",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "refund_amount",
       "filter": [
        {
         "field": "order.channel_id",
         "op": "in",
         "value": [
          "seo",
          "sem",
          "social",
          "email",
          "direct"
         ]
        }
       ],
       "lookup": {
        "collection": "orders",
        "key": "order_id",
        "id": "order_id",
        "as": "order"
       }
      },
      {
       "id": "cohort_return_count",
       "source": "returns",
       "agg": "count",
       "time_field": "order.order_date",
       "unit": "count",
       "filter": [
        {
         "field": "order.status",
         "op": "eq",
         "value": "confirmed"
        }
       ],
       "lookup": {
        "collection": "orders",
        "key": "order_id",
        "id": "order_id",
        "as": "order"
       }
      },
      {
       "id": "followed_up_leads",
       "source": "leads",
       "agg": "count",
       "time_field": "created_date",
       "unit": "count",
       "filter": [
        {
         "field": "first_followup_date",
         "op": "le",
         "value": {
          "field": "created_date",
          "days": 1
         }
        }
       ]
      },
      {
       "id": "converted_leads",
       "source": "leads",
       "agg": "count",
       "time_field": "created_date",
       "unit": "count",
       "filter": [
        {
         "field": "customer.acquired_date",
         "op": "ge",
         "value": {
          "field": "created_date",
          "days": 0
         }
        },
        {
         "field": "customer.acquired_date",
         "op": "le",
         "value": {
          "field": "created_date",
          "days": 90
         }
        }
       ],
       "lookup": {
        "collection": "customers",
        "key": "customer_id",
        "id": "customer_id",
        "as": "customer"
       }
      },
      {
       "id": "complaints_resolved_in_sla",
       "source": "complaints",
       "agg": "count",
       "time_field": "received_date",
       "unit": "count",
       "filter": [
        {
         "field": "resolved_date",
         "op": "le",
         "value": {
          "field": "received_date",
          "days": 7
         }
        }
       ]
      },
      {
       "id": "social_impressions",
       "source": "channel_daily",
       "agg": "sum",
       "time_field": "date",
       "unit": "count",
       "field": "impressions",
       "filter": [
        {
         "field": "channel_id",
         "op": "eq",
         "value": "social"
        }
       ]
      },
      {
       "id": "csat_score_sum",
       "source": "survey_responses",
       "agg": "sum",
       "time_field": "response_date",
       "unit": "count",
       "field": "score",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "csat"
        },
        {
         "field": "score",
         "op": "not_null"
        },
        {
         "field": "max_score",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "csat_max_sum",
       "source": "survey_responses",
       "agg": "sum",
       "time_field": "response_date",
       "unit": "count",
       "field": "max_score",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "csat"
        },
        {
         "field": "score",
         "op": "not_null"
        },
        {
         "field": "max_score",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "brand_image_score_sum",
       "source": "survey_responses",
       "agg": "sum",
       "time_field": "response_date",
       "unit": "count",
       "field": "score",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "brand_image"
        },
        {
         "field": "score",
         "op": "not_null"
        },
        {
         "field": "max_score",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "brand_image_max_sum",
       "source": "survey_responses",
       "agg": "sum",
       "time_field": "response_date",
       "unit": "count",
       "field": "max_score",
       "filter": [
        {
         "field": "survey_type",
         "op": "eq",
         "value": "brand_image"
        },
        {
         "field": "score",
         "op": "not_null"
        },
        {
         "field": "max_score",
         "op": "not_null"
        }
       ]
      },
      {
       "id": "fulfilment_duration",
       "source": "orders",
       "agg": "mean",
       "time_field": "fulfilled_at",
       "unit": "hours",
       "duration": {
        "from": "placed_at",
        "to": "fulfilled_at",
        "unit": "hours"
       }
      },
      {
       "id": "delivery_duration",
       "source": "orders",
       "agg": "mean",
       "time_field": "delivered_at",
       "unit": "days",
       "duration": {
        "from": "shipped_at",
        "to": "delivered_at",
        "unit": "days"
       }
      },
      {
       "id": "unfulfilled_order_count",
       "source": "orders",
       "agg": "count",
       "time_field": "order_date",
       "unit": "count",
       "filter": [
        {
         "field": "status",
         "op": "eq",
         "value": "confirmed"
        },
        {
         "field": "fulfilled_at",
         "op": "is_null"
        }
       ]
      },
      {
       "id": "refund_amount_by_order_channel",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "refund_amount",
       "lookup": {
        "collection": "orders",
        "key": "order_id",
        "id": "order_id",
        "as": "order"
       },
       "channel_field": "order.channel_id"
      },
      {
       "id": "cogs_reversed_by_order_channel",
       "source": "returns",
       "agg": "sum",
       "time_field": "return_date",
       "unit": "currency:CNY",
       "field": "cogs_reversed",
       "lookup": {
        "collection": "orders",
        "key": "order_id",
        "id": "order_id",
        "as": "order"
       },
       "channel_field": "order.channel_id"
      },
      {
       "id": "rating_admin_assessment",
       "source": "qualitative_ratings",
       "agg": "mean",
       "time_field": "period",
       "unit": "score",
       "field": "score",
       "filter": [
        {
         "field": "criterion_id",
         "op": "eq",
         "value": "admin_assessment"
        }
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "rating_team_building",
       "source": "qualitative_ratings",
       "agg": "mean",
       "time_field": "period",
       "unit": "score",
       "field": "score",
       "filter": [
        {
         "field": "criterion_id",
         "op": "eq",
         "value": "team_building"
        }
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "rating_professional_skill",
       "source": "qualitative_ratings",
       "agg": "mean",
       "time_field": "period",
       "unit": "score",
       "field": "score",
       "filter": [
        {
         "field": "criterion_id",
         "op": "eq",
         "value": "professional_skill"
        }
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "rating_dealer_management",
       "source": "qualitative_ratings",
       "agg": "mean",
       "time_field": "period",
       "unit": "score",
       "field": "score",
       "filter": [
        {
         "field": "criterion_id",
         "op": "eq",
         "value": "dealer_management"
        }
       ],
       "empty_policy": "undefined"
      },
      {
       "id": "rating_content_quality",
       "source": "qualitative_ratings",
       "agg": "mean",
       "time_field": "period",
       "unit": "score",
       "field": "score",
       "filter": [
        {
         "field": "criterion_id",
         "op": "eq",
         "value": "content_quality"
        }
       ],
       "empty_policy": "undefined"
      }
     ],
     "kpis": [
      {
       "id": "page_views",
       "version": 1,
       "label": {
        "zh": "浏览量",
        "en": "Page views"
       },
       "seeds": [
        "000",
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "page_views"
      },
      {
       "id": "visits",
       "version": 1,
       "label": {
        "zh": "网站流量",
        "en": "Site traffic (visits)"
       },
       "seeds": [
        "000",
        "001",
        "003",
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "visits"
      },
      {
       "id": "clicks",
       "version": 1,
       "label": {
        "zh": "点击量",
        "en": "Clicks"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "clicks"
      },
      {
       "id": "impressions",
       "version": 1,
       "label": {
        "zh": "网络曝光",
        "en": "Impressions"
       },
       "seeds": [
        "000",
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "impressions"
      },
      {
       "id": "ctr",
       "version": 1,
       "label": {
        "zh": "点击率",
        "en": "Click-through rate"
       },
       "seeds": [
        "001",
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "clicks",
        "filter": [
         {
          "field": "impressions",
          "op": "not_null"
         },
         {
          "field": "clicks",
          "op": "not_null"
         }
        ]
       },
       "denominator": {
        "measure": "impressions",
        "filter": [
         {
          "field": "impressions",
          "op": "not_null"
         },
         {
          "field": "clicks",
          "op": "not_null"
         }
        ]
       }
      },
      {
       "id": "cpc",
       "version": 1,
       "label": {
        "zh": "每次点击成本",
        "en": "Cost per click"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "ad_spend",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "sem",
           "social"
          ]
         }
        ]
       },
       "denominator": {
        "measure": "clicks",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "sem",
           "social"
          ]
         }
        ]
       },
       "flags": [
        {
         "when": {
          "all": [
           {
            "ref": "ad_spend",
            "op": "gt",
            "value": "0"
           },
           {
            "ref": "clicks",
            "op": "eq",
            "value": "0"
           }
          ]
         },
         "reason": "spend_without_clicks",
         "failure": true
        }
       ]
      },
      {
       "id": "registrations",
       "version": 1,
       "label": {
        "zh": "注册量",
        "en": "Registrations"
       },
       "seeds": [
        "000",
        "001"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "registrations"
      },
      {
       "id": "micro_conversions",
       "version": 1,
       "label": {
        "zh": "微观转化",
        "en": "Micro conversions"
       },
       "seeds": [
        "001"
       ],
       "type": "derived",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "expr": {
        "op": "add",
        "args": [
         {
          "op": "add",
          "args": [
           {
            "ref": "registrations"
           },
           {
            "ref": "downloads"
           }
          ]
         },
         {
          "ref": "subscriptions"
         }
        ]
       }
      },
      {
       "id": "email_open_rate",
       "version": 1,
       "label": {
        "zh": "邮件打开率",
        "en": "E-mail open rate"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "email_unique_opens"
       },
       "denominator": {
        "measure": "emails_delivered"
       }
      },
      {
       "id": "email_click_rate",
       "version": 1,
       "label": {
        "zh": "邮件点击率",
        "en": "E-mail click rate"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "email_unique_clicks"
       },
       "denominator": {
        "measure": "emails_delivered"
       }
      },
      {
       "id": "positive_share",
       "version": 1,
       "label": {
        "zh": "正面评价比例",
        "en": "Share of positive mentions"
       },
       "seeds": [
        "000",
        "001",
        "002",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "social_positive_mentions"
       },
       "denominator": {
        "measure": "social_mentions"
       }
      },
      {
       "id": "blog_comments",
       "version": 1,
       "label": {
        "zh": "博客评论数",
        "en": "Blog comments"
       },
       "seeds": [
        "002"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "social_comments",
       "filter": [
        {
         "field": "platform",
         "op": "eq",
         "value": "blog"
        }
       ]
      },
      {
       "id": "followers",
       "version": 1,
       "label": {
        "zh": "社交媒体关注量",
        "en": "Social followers"
       },
       "seeds": [
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "followers_last"
      },
      {
       "id": "follower_growth",
       "version": 1,
       "label": {
        "zh": "粉丝增长数",
        "en": "Follower growth"
       },
       "seeds": [
        "001",
        "003"
       ],
       "type": "growth",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "followers",
       "compare": "previous_period",
       "kind": "difference"
      },
      {
       "id": "social_interactions",
       "version": 1,
       "label": {
        "zh": "社交媒体互动",
        "en": "Social interactions"
       },
       "seeds": [
        "001"
       ],
       "type": "derived",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "add",
        "args": [
         {
          "op": "add",
          "args": [
           {
            "ref": "social_likes"
           },
           {
            "ref": "social_comments"
           }
          ]
         },
         {
          "op": "add",
          "args": [
           {
            "ref": "social_shares"
           },
           {
            "ref": "social_mentions"
           }
          ]
         }
        ]
       }
      },
      {
       "id": "indexed_pages",
       "version": 1,
       "label": {
        "zh": "搜索引擎收录数",
        "en": "Pages indexed by search engines"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "indexed_pages_last"
      },
      {
       "id": "brand_awareness",
       "version": 1,
       "label": {
        "zh": "品牌知名度",
        "en": "Brand awareness"
       },
       "seeds": [
        "001",
        "002",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "aware_count"
       },
       "denominator": {
        "measure": "awareness_responses"
       }
      },
      {
       "id": "consultations",
       "version": 1,
       "label": {
        "zh": "咨询量",
        "en": "Consultations"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "consultations"
      },
      {
       "id": "consult_calls",
       "version": 1,
       "label": {
        "zh": "网络咨询电话量",
        "en": "Consultation calls from the web"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "consult_calls"
      },
      {
       "id": "consultation_rate",
       "version": 1,
       "label": {
        "zh": "咨询率",
        "en": "Consultation rate"
       },
       "seeds": [
        "000"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "consultations",
        "filter": [
         {
          "field": "clicks",
          "op": "not_null"
         }
        ]
       },
       "denominator": {
        "measure": "clicks"
       }
      },
      {
       "id": "consultation_rate_visits",
       "version": 1,
       "label": {
        "zh": "咨询率(按访问)",
        "en": "Consultation rate (per visit)"
       },
       "seeds": [
        "000"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "consultations",
        "filter": [
         {
          "field": "visits",
          "op": "not_null"
         }
        ]
       },
       "denominator": {
        "measure": "visits"
       }
      },
      {
       "id": "avg_cost_per_conversation",
       "version": 1,
       "both_zero": "no_activity",
       "label": {
        "zh": "平均对话成本",
        "en": "Average cost per conversation"
       },
       "seeds": [
        "000"
       ],
       "type": "ratio",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "upper_bound",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "ad_spend",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "sem",
           "social"
          ]
         }
        ]
       },
       "denominator": {
        "measure": "consultations",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "sem",
           "social"
          ]
         }
        ]
       },
       "flags": [
        {
         "when": {
          "all": [
           {
            "ref": "ad_spend_paid",
            "op": "gt",
            "value": "0"
           },
           {
            "ref": "consultations_paid",
            "op": "eq",
            "value": "0"
           }
          ]
         },
         "reason": "spend_without_conversations",
         "failure": true
        }
       ]
      },
      {
       "id": "ad_spend_paid",
       "version": 1,
       "label": {
        "zh": "付费渠道花费",
        "en": "Paid media spend"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "neutral",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "ad_spend",
       "filter": [
        {
         "field": "channel_id",
         "op": "in",
         "value": [
          "sem",
          "social"
         ]
        }
       ]
      },
      {
       "id": "consultations_paid",
       "version": 1,
       "label": {
        "zh": "付费渠道咨询量",
        "en": "Consultations on paid channels"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "neutral",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "consultations",
       "filter": [
        {
         "field": "channel_id",
         "op": "in",
         "value": [
          "sem",
          "social"
         ]
        }
       ]
      },
      {
       "id": "leads",
       "version": 1,
       "label": {
        "zh": "线索数",
        "en": "Leads"
       },
       "seeds": [
        "002",
        "003"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "lead_count"
      },
      {
       "id": "qualified_leads",
       "version": 1,
       "label": {
        "zh": "准客户数",
        "en": "Qualified prospects"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "qualified_lead_count"
      },
      {
       "id": "lead_qualification_rate",
       "version": 1,
       "label": {
        "zh": "线索筛选通过率",
        "en": "Lead screening pass rate"
       },
       "seeds": [
        "003"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "qualified_lead_count"
       },
       "denominator": {
        "measure": "lead_count"
       }
      },
      {
       "id": "deal_count",
       "version": 1,
       "label": {
        "zh": "成交笔数",
        "en": "Number of deals"
       },
       "seeds": [
        "000",
        "001"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "deals"
      },
      {
       "id": "deal_amount",
       "version": 1,
       "label": {
        "zh": "成交金额",
        "en": "Deal amount (gross)"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "measure": "gross_amount"
      },
      {
       "id": "refunds",
       "version": 1,
       "label": {
        "zh": "退款金额",
        "en": "Refunds"
       },
       "seeds": [
        "001"
       ],
       "type": "simple",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "refund_amount"
      },
      {
       "id": "net_revenue",
       "version": 1,
       "label": {
        "zh": "销售额",
        "en": "Net sales revenue"
       },
       "seeds": [
        "000",
        "001",
        "002",
        "003",
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "sub",
        "args": [
         {
          "ref": "gross_amount"
         },
         {
          "ref": "refund_amount"
         }
        ]
       }
      },
      {
       "id": "sales_volume",
       "version": 1,
       "label": {
        "zh": "销售量",
        "en": "Units sold (net)"
       },
       "seeds": [
        "002",
        "003",
        "004"
       ],
       "type": "derived",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "sub",
        "args": [
         {
          "ref": "units_ordered"
         },
         {
          "ref": "units_returned"
         }
        ]
       }
      },
      {
       "id": "sales_growth_mom",
       "version": 1,
       "label": {
        "zh": "销售额环比增长率",
        "en": "Net sales growth (MoM)"
       },
       "seeds": [
        "004",
        "000"
       ],
       "type": "growth",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "net_revenue",
       "compare": "previous_period",
       "kind": "relative",
       "nonpositive_base": "undefined"
      },
      {
       "id": "sales_growth_yoy",
       "version": 1,
       "label": {
        "zh": "销售额同比增长率",
        "en": "Net sales growth (YoY)"
       },
       "seeds": [
        "004"
       ],
       "type": "growth",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "net_revenue",
       "compare": "same_period_last_year",
       "kind": "relative",
       "nonpositive_base": "undefined"
      },
      {
       "id": "conversion_rate",
       "version": 1,
       "label": {
        "zh": "转化率",
        "en": "Site conversion rate"
       },
       "seeds": [
        "000",
        "001",
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "deals",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "seo",
           "sem",
           "social",
           "email",
           "direct"
          ]
         }
        ]
       },
       "denominator": {
        "measure": "visits",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "seo",
           "sem",
           "social",
           "email",
           "direct"
          ]
         }
        ]
       }
      },
      {
       "id": "aov",
       "version": 1,
       "label": {
        "zh": "平均订单价值",
        "en": "Average order value"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "gross_amount"
       },
       "denominator": {
        "measure": "deals"
       }
      },
      {
       "id": "new_customers",
       "version": 1,
       "label": {
        "zh": "拓展客户数",
        "en": "New customers"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "new_customer_count"
      },
      {
       "id": "sales_profit",
       "version": 1,
       "label": {
        "zh": "销售利润",
        "en": "Sales profit"
       },
       "seeds": [
        "003"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "add",
        "args": [
         {
          "op": "sub",
          "args": [
           {
            "ref": "net_revenue"
           },
           {
            "ref": "order_cogs"
           }
          ]
         },
         {
          "ref": "cogs_reversed"
         }
        ]
       }
      },
      {
       "id": "total_cost",
       "version": 1,
       "label": {
        "zh": "推广总成本",
        "en": "Promotion cost (media + other)"
       },
       "seeds": [
        "000",
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "add",
        "args": [
         {
          "ref": "ad_spend"
         },
         {
          "ref": "other_costs"
         }
        ]
       }
      },
      {
       "id": "cac",
       "version": 1,
       "label": {
        "zh": "客户获取成本",
        "en": "Customer acquisition cost"
       },
       "seeds": [
        "001",
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "total_cost"
         },
         {
          "ref": "new_customer_count"
         }
        ]
       },
       "flags": [
        {
         "when": {
          "all": [
           {
            "ref": "total_cost",
            "op": "gt",
            "value": "0"
           },
           {
            "ref": "new_customer_count",
            "op": "eq",
            "value": "0"
           }
          ]
         },
         "reason": "cost_without_customers",
         "failure": true
        }
       ]
      },
      {
       "id": "roas",
       "version": 1,
       "label": {
        "zh": "投入产出比",
        "en": "Revenue to cost"
       },
       "seeds": [
        "003",
        "004"
       ],
       "type": "derived",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "net_revenue"
         },
         {
          "ref": "total_cost"
         }
        ]
       }
      },
      {
       "id": "roi",
       "version": 1,
       "label": {
        "zh": "投资回报率",
        "en": "Return on investment"
       },
       "seeds": [
        "001"
       ],
       "type": "derived",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "op": "sub",
          "args": [
           {
            "ref": "net_revenue"
           },
           {
            "ref": "total_cost"
           }
          ]
         },
         {
          "ref": "total_cost"
         }
        ]
       }
      },
      {
       "id": "sales_cost_ratio",
       "version": 1,
       "label": {
        "zh": "销售成本率",
        "en": "Sales-cost ratio"
       },
       "seeds": [
        "000"
       ],
       "type": "derived",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "total_cost"
         },
         {
          "ref": "net_revenue"
         }
        ]
       }
      },
      {
       "id": "return_rate",
       "version": 1,
       "label": {
        "zh": "退货率",
        "en": "Return rate (count)"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "return_count"
       },
       "denominator": {
        "measure": "deals"
       }
      },
      {
       "id": "return_rate_amount",
       "version": 1,
       "label": {
        "zh": "退货率(按金额)",
        "en": "Return rate (value)"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "refund_amount"
       },
       "denominator": {
        "measure": "gross_amount"
       }
      },
      {
       "id": "complaint_rate",
       "version": 1,
       "label": {
        "zh": "客户投诉率",
        "en": "Complaint rate"
       },
       "seeds": [
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "complaint_count"
       },
       "denominator": {
        "measure": "deals"
       }
      },
      {
       "id": "csat",
       "version": 1,
       "label": {
        "zh": "客户满意度",
        "en": "Customer satisfaction"
       },
       "seeds": [
        "001",
        "002",
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "csat_satisfied"
       },
       "denominator": {
        "measure": "csat_responses"
       }
      },
      {
       "id": "collection_rate",
       "version": 1,
       "label": {
        "zh": "账款回收率",
        "en": "Receivables collection rate"
       },
       "seeds": [
        "000"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_bound",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "collected_on_due"
       },
       "denominator": {
        "measure": "invoiced_due"
       }
      },
      {
       "id": "purchase_frequency",
       "version": 1,
       "label": {
        "zh": "购买频次",
        "en": "Orders per ordering customer"
       },
       "seeds": [
        "001",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "deals"
       },
       "denominator": {
        "measure": "ordering_customers"
       }
      },
      {
       "id": "content_shares",
       "version": 1,
       "label": {
        "zh": "内容分享",
        "en": "Content shares"
       },
       "seeds": [
        "001"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "social_shares"
      },
      {
       "id": "brand_mentions",
       "version": 1,
       "label": {
        "zh": "品牌提及",
        "en": "Brand mentions"
       },
       "seeds": [
        "001"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "social_mentions"
      },
      {
       "id": "social_engagement_rate",
       "version": 1,
       "label": {
        "zh": "社交媒体互动度",
        "en": "Social engagement rate"
       },
       "seeds": [
        "001"
       ],
       "type": "derived",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "social_interactions"
         },
         {
          "ref": "social_impressions"
         }
        ]
       }
      },
      {
       "id": "email_conversion_rate",
       "version": 1,
       "label": {
        "zh": "邮件转化率",
        "en": "E-mail conversion rate"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "deals",
        "filter": [
         {
          "field": "channel_id",
          "op": "eq",
          "value": "email"
         }
        ]
       },
       "denominator": {
        "measure": "emails_delivered"
       }
      },
      {
       "id": "brand_awareness_lift",
       "version": 1,
       "label": {
        "zh": "品牌知名度提升",
        "en": "Brand-awareness lift"
       },
       "seeds": [
        "004"
       ],
       "type": "growth",
       "unit": "pp",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "brand_awareness",
       "compare": "previous_period",
       "kind": "difference"
      },
      {
       "id": "brand_image_score",
       "version": 1,
       "label": {
        "zh": "品牌形象评分",
        "en": "Brand-image survey score"
       },
       "seeds": [
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "brand_image_score_sum"
       },
       "denominator": {
        "measure": "brand_image_max_sum"
       }
      },
      {
       "id": "csat_mean",
       "version": 1,
       "label": {
        "zh": "客户满意度均分",
        "en": "Customer satisfaction (mean score)"
       },
       "seeds": [
        "001",
        "002",
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "csat_score_sum"
       },
       "denominator": {
        "measure": "csat_max_sum"
       }
      },
      {
       "id": "avg_daily_page_views",
       "version": 1,
       "label": {
        "zh": "每天浏览量",
        "en": "Average daily page views"
       },
       "seeds": [
        "000"
       ],
       "type": "derived",
       "unit": "count",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "page_views"
         },
         {
          "ref": "$period_days"
         }
        ]
       }
      },
      {
       "id": "online_channel_revenue",
       "version": 1,
       "label": {
        "zh": "网络渠道收入",
        "en": "Online-channel revenue (net)"
       },
       "seeds": [
        "002"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "sub",
        "args": [
         {
          "ref": "gross_amount_web"
         },
         {
          "ref": "refund_amount_web"
         }
        ]
       }
      },
      {
       "id": "active_channels",
       "version": 1,
       "label": {
        "zh": "销售渠道数量",
        "en": "Active sales channels"
       },
       "seeds": [
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "order_channels"
      },
      {
       "id": "cost_change",
       "version": 1,
       "label": {
        "zh": "降低成本",
        "en": "Promotion-cost change"
       },
       "seeds": [
        "002"
       ],
       "type": "growth",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "base": "total_cost",
       "compare": "previous_period",
       "kind": "relative"
      },
      {
       "id": "repeat_orders",
       "version": 1,
       "label": {
        "zh": "复购",
        "en": "Repeat orders"
       },
       "seeds": [
        "001",
        "002"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "repeat_order_count"
      },
      {
       "id": "repeat_purchase_rate",
       "version": 1,
       "label": {
        "zh": "重复购买率",
        "en": "Repeat-purchase rate (trailing 12 m)"
       },
       "seeds": [
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "repeat_customers_12m"
       },
       "denominator": {
        "measure": "ordering_customers_12m"
       }
      },
      {
       "id": "retention_rate",
       "version": 1,
       "label": {
        "zh": "客户保持率",
        "en": "Customer retention rate"
       },
       "seeds": [
        "004"
       ],
       "type": "derived",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "op": "common",
          "args": [
           {
            "ref": "ordering_customers"
           },
           {
            "ref": "customers_before"
           }
          ]
         },
         {
          "ref": "customers_before"
         }
        ]
       }
      },
      {
       "id": "clv",
       "version": 1,
       "label": {
        "zh": "客户生命周期价值",
        "en": "Customer lifetime value"
       },
       "seeds": [
        "001",
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "mul",
        "args": [
         {
          "op": "mul",
          "args": [
           {
            "op": "div",
            "args": [
             {
              "op": "sub",
              "args": [
               {
                "ref": "gross_amount_12m"
               },
               {
                "ref": "refund_amount_12m"
               }
              ]
             },
             {
              "ref": "ordering_customers_12m"
             }
            ]
           },
           {
            "ref": "clv_lifespan_years"
           }
          ]
         },
         {
          "ref": "clv_margin"
         }
        ]
       }
      },
      {
       "id": "clv_cac_ratio",
       "version": 1,
       "label": {
        "zh": "CLV 与 CAC 之比",
        "en": "CLV to CAC"
       },
       "seeds": [
        "001"
       ],
       "type": "derived",
       "unit": "multiple",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "expr": {
        "op": "div",
        "args": [
         {
          "ref": "clv"
         },
         {
          "ref": "cac"
         }
        ]
       }
      },
      {
       "id": "followup_rate",
       "version": 1,
       "label": {
        "zh": "线索跟进率",
        "en": "Lead follow-up coverage"
       },
       "seeds": [
        "003"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "followed_up_leads"
       },
       "denominator": {
        "measure": "lead_count"
       },
       "matures_days": 1
      },
      {
       "id": "lead_conversion_rate",
       "version": 1,
       "label": {
        "zh": "客户转化率",
        "en": "Lead-to-customer conversion (90 days)"
       },
       "seeds": [
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "numerator": {
        "measure": "converted_leads"
       },
       "denominator": {
        "measure": "lead_count"
       },
       "matures_days": 90
      },
      {
       "id": "resolution_rate",
       "version": 1,
       "label": {
        "zh": "投诉解决率",
        "en": "Complaints resolved within 7 days"
       },
       "seeds": [
        "003",
        "004"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "complaints_resolved_in_sla"
       },
       "denominator": {
        "measure": "complaint_count"
       },
       "matures_days": 7
      },
      {
       "id": "return_rate_cohort",
       "version": 1,
       "label": {
        "zh": "退货率(按订单月)",
        "en": "Return rate (order cohort)"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "numerator": {
        "measure": "cohort_return_count"
       },
       "denominator": {
        "measure": "deals"
       },
       "matures_days": 30
      },
      {
       "id": "order_processing_hours",
       "version": 1,
       "label": {
        "zh": "订单处理时间",
        "en": "Order-processing time"
       },
       "seeds": [
        "003",
        "004"
       ],
       "type": "simple",
       "unit": "hours",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "fulfilment_duration"
      },
      {
       "id": "unfulfilled_orders",
       "version": 1,
       "label": {
        "zh": "待处理订单",
        "en": "Orders not yet fulfilled"
       },
       "seeds": [
        "003",
        "004"
       ],
       "type": "simple",
       "unit": "count",
       "scale": 0,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "unfulfilled_order_count"
      },
      {
       "id": "delivery_days",
       "version": 1,
       "label": {
        "zh": "物流配送速度",
        "en": "Delivery time"
       },
       "seeds": [
        "004"
       ],
       "type": "simple",
       "unit": "days",
       "scale": 2,
       "rounding": "half_up",
       "direction": "lower_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "delivery_duration"
      },
      {
       "id": "net_revenue_attainment",
       "version": 1,
       "label": {
        "zh": "销售额达成率",
        "en": "Net sales revenue: attainment"
       },
       "seeds": [
        "000",
        "001",
        "002",
        "003",
        "004"
       ],
       "type": "attainment",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "net_revenue",
       "method": "ratio",
       "floor": "0",
       "cap": "1.20"
      },
      {
       "id": "consultations_attainment",
       "version": 1,
       "label": {
        "zh": "咨询量达成率",
        "en": "Consultations: attainment"
       },
       "seeds": [
        "000"
       ],
       "type": "attainment",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "consultations",
       "method": "ratio",
       "floor": "0",
       "cap": "1.20"
      },
      {
       "id": "avg_cost_per_conversation_attainment",
       "version": 1,
       "label": {
        "zh": "平均对话成本达成率",
        "en": "Average cost per conversation: attainment"
       },
       "seeds": [
        "000"
       ],
       "type": "attainment",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "avg_cost_per_conversation",
       "method": "reduction",
       "floor": "0",
       "cap": "1.00"
      },
      {
       "id": "return_rate_attainment",
       "version": 1,
       "label": {
        "zh": "退货率达成率",
        "en": "Return rate (count): attainment"
       },
       "seeds": [
        "001"
       ],
       "type": "attainment",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "return_rate",
       "method": "reduction",
       "floor": "0",
       "cap": "1.20"
      },
      {
       "id": "collection_rate_attainment",
       "version": 1,
       "label": {
        "zh": "账款回收率达成率",
        "en": "Receivables collection rate: attainment"
       },
       "seeds": [
        "000"
       ],
       "type": "attainment",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "base": "collection_rate",
       "method": "ratio",
       "floor": "0",
       "cap": "1.00"
      },
      {
       "id": "traffic_share",
       "version": 1,
       "label": {
        "zh": "流量来源占比",
        "en": "Traffic-source share"
       },
       "seeds": [
        "001"
       ],
       "type": "ratio",
       "unit": "ratio",
       "scale": 4,
       "rounding": "half_up",
       "direction": "neutral",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "by_channel_only": true,
       "numerator": {
        "measure": "visits",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "seo",
           "sem",
           "social",
           "email",
           "direct"
          ]
         }
        ]
       },
       "denominator": {
        "measure": "visits",
        "filter": [
         {
          "field": "channel_id",
          "op": "in",
          "value": [
           "seo",
           "sem",
           "social",
           "email",
           "direct"
          ]
         }
        ]
       },
       "denominator_scope": "office"
      },
      {
       "id": "channel_sales",
       "version": 1,
       "label": {
        "zh": "渠道销售额",
        "en": "Sales by channel (net)"
       },
       "seeds": [
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "by_channel_only": true,
       "expr": {
        "op": "sub",
        "args": [
         {
          "ref": "gross_amount"
         },
         {
          "ref": "refund_amount_by_order_channel"
         }
        ]
       }
      },
      {
       "id": "channel_profit",
       "version": 1,
       "label": {
        "zh": "渠道利润",
        "en": "Channel profit (contribution)"
       },
       "seeds": [
        "004"
       ],
       "type": "derived",
       "unit": "currency:CNY",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id",
        "channel_id"
       ],
       "by_channel_only": true,
       "expr": {
        "op": "sub",
        "args": [
         {
          "op": "add",
          "args": [
           {
            "op": "sub",
            "args": [
             {
              "ref": "channel_sales"
             },
             {
              "ref": "order_cogs"
             }
            ]
           },
           {
            "ref": "cogs_reversed_by_order_channel"
           }
          ]
         },
         {
          "op": "add",
          "args": [
           {
            "ref": "ad_spend"
           },
           {
            "ref": "other_costs"
           }
          ]
         }
        ]
       }
      },
      {
       "id": "admin_assessment",
       "version": 1,
       "label": {
        "zh": "行政考核",
        "en": "Administrative assessment"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "score",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "rating_admin_assessment"
      },
      {
       "id": "team_building",
       "version": 1,
       "label": {
        "zh": "团队建设",
        "en": "Team building"
       },
       "seeds": [
        "000",
        "003"
       ],
       "type": "simple",
       "unit": "score",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "rating_team_building"
      },
      {
       "id": "professional_skill",
       "version": 1,
       "label": {
        "zh": "专业技能",
        "en": "Professional skills"
       },
       "seeds": [
        "000",
        "004"
       ],
       "type": "simple",
       "unit": "score",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "rating_professional_skill"
      },
      {
       "id": "dealer_management",
       "version": 1,
       "label": {
        "zh": "经销商管理",
        "en": "Dealer management"
       },
       "seeds": [
        "000"
       ],
       "type": "simple",
       "unit": "score",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "rating_dealer_management"
      },
      {
       "id": "content_quality",
       "version": 1,
       "label": {
        "zh": "推广内容质量",
        "en": "Promotion-content quality"
       },
       "seeds": [
        "003"
       ],
       "type": "simple",
       "unit": "score",
       "scale": 2,
       "rounding": "half_up",
       "direction": "higher_better",
       "dimensions": [
        "office_id"
       ],
       "measure": "rating_content_quality"
      }
     ],
     "scorecards": [
      {
       "id": "branch_marketing_monthly",
       "version": 1,
       "type": "scorecard",
       "label": {
        "zh": "分部营销月度考核",
        "en": "Branch marketing, monthly"
       },
       "applies_to": {
        "level": "office",
        "department": "marketing"
       },
       "period_grain": "month",
       "weights_sum": "1.0000",
       "items": [
        {
         "kpi": "net_revenue",
         "weight": "0.30",
         "method": "ratio",
         "cap": "1.20",
         "floor": "0",
         "missing": "zero"
        },
        {
         "kpi": "consultations",
         "weight": "0.20",
         "method": "ratio",
         "cap": "1.20",
         "floor": "0",
         "missing": "zero"
        },
        {
         "kpi": "avg_cost_per_conversation",
         "weight": "0.20",
         "method": "reduction",
         "cap": "1.00",
         "floor": "0",
         "missing": "zero"
        },
        {
         "kpi": "return_rate",
         "weight": "0.15",
         "method": "reduction",
         "cap": "1.20",
         "floor": "0",
         "missing": "zero"
        },
        {
         "kpi": "collection_rate",
         "weight": "0.15",
         "method": "ratio",
         "cap": "1.00",
         "floor": "0",
         "missing": "zero"
        }
       ],
       "result": {
        "multiplier": "100",
        "scale": 2,
        "rounding": "half_up"
       },
       "bands": [
        {
         "label": "A",
         "min": "100"
        },
        {
         "label": "B",
         "min": "90"
        },
        {
         "label": "C",
         "min": "80"
        },
        {
         "label": "D",
         "min": "0"
        }
       ]
      }
     ]
    }
    """#
}
