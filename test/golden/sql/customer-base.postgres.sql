-- clv (postgres): as of 2024-12-31, cohorts by month.
-- Input: orders (customer_id, order_date DATE, amount, channel, order_id), one row per order,
-- dates as UTC calendar dates. Result: the first ten columns of clv's data/customers.csv (cohort as its index).
WITH kept AS (
  SELECT customer_id, order_date, amount, channel, row_order
  FROM (
    SELECT customer_id, CAST(order_date AS DATE) AS order_date, amount, channel, order_id AS row_order,
           min(CASE WHEN amount >= 0 THEN CAST(order_date AS DATE) END) OVER (PARTITION BY customer_id) AS first_purchase
    FROM orders
    WHERE customer_id IS NOT NULL AND customer_id <> '' AND CAST(order_date AS DATE) <= DATE '2024-12-31'
  ) rows_to_as_of
  -- A refund before the customer's first order has no cohort to be charged to.
  WHERE amount >= 0 OR order_date >= first_purchase
),
customer_days AS (
  SELECT customer_id, order_date,
           count(*) FILTER (WHERE amount >= 0) AS n_orders,
           sum(amount) FILTER (WHERE amount >= 0) AS purchases,
           sum(amount) AS net,
           (array_agg(channel ORDER BY row_order) FILTER (WHERE amount >= 0))[1] AS channel
  FROM kept
  GROUP BY customer_id, order_date
),
customer_base AS (
  SELECT customer_id,
           min(order_date) FILTER (WHERE n_orders > 0) AS first_date,
           max(order_date) FILTER (WHERE n_orders > 0) AS last_date,
           CAST(sum(n_orders) AS BIGINT) AS orders,
           count(*) FILTER (WHERE n_orders > 0) AS purchase_days,
           sum(net) AS revenue,
           sum(purchases) AS purchase_revenue,
           (array_agg(purchases ORDER BY order_date) FILTER (WHERE n_orders > 0))[1] AS first_day_purchases,
           coalesce((array_agg(channel ORDER BY order_date) FILTER (WHERE n_orders > 0))[1], '(none)') AS acquisition_channel
  FROM customer_days
  GROUP BY customer_id
)
SELECT customer_id,
           CAST((CAST(EXTRACT(YEAR FROM first_date) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM first_date) AS INTEGER) - 1) AS INTEGER) AS cohort_index,
           to_char(first_date, 'YYYY-MM-DD') AS first_order_date,
           acquisition_channel,
           CAST(orders AS INTEGER) AS orders,
           CAST(purchase_days - 1 AS INTEGER) AS frequency,
           CAST((last_date - first_date) AS INTEGER) AS recency_days,
           CAST((DATE '2024-12-31' - first_date) AS INTEGER) AS T_days,
           revenue,
           CASE WHEN purchase_days > 1 THEN CAST(purchase_revenue - first_day_purchases AS DOUBLE PRECISION) / (purchase_days - 1) END AS mean_repeat_order_value
FROM customer_base
WHERE first_date IS NOT NULL
ORDER BY customer_id
