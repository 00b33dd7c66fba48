-- clv (duckdb): as of 2024-12-31, cohorts by month.
-- Input: orders (customer_id, order_date DATE, amount, channel, order_id), one row per order,
-- dates as UTC calendar dates. Result: the cohort cells (customers active, orders and net revenue per cohort and period; indexes as clv numbers periods).
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
           arg_min_null(channel, row_order) FILTER (WHERE amount >= 0) AS channel
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
           arg_min_null(purchases, order_date) FILTER (WHERE n_orders > 0) AS first_day_purchases,
           coalesce(arg_min_null(channel, order_date) FILTER (WHERE n_orders > 0), '(none)') AS acquisition_channel
  FROM customer_days
  GROUP BY customer_id
),
customer_periods AS (
  SELECT d.customer_id, CAST((year(c.first_date) * 12 + month(c.first_date) - 1) AS INTEGER) AS cohort_index,
         CAST((year(d.order_date) * 12 + month(d.order_date) - 1) AS INTEGER) AS period_index,
         sum(d.n_orders) AS orders, sum(d.net) AS revenue
  FROM customer_days d JOIN customer_base c ON c.customer_id = d.customer_id
  WHERE c.first_date IS NOT NULL
  GROUP BY d.customer_id, c.first_date, (year(d.order_date) * 12 + month(d.order_date) - 1)
)
SELECT cohort_index, period_index,
           CAST(count(*) FILTER (WHERE orders > 0) AS INTEGER) AS active_customers,
           CAST(sum(orders) AS INTEGER) AS orders,
           CAST(sum(revenue) AS DOUBLE) AS revenue
FROM customer_periods
GROUP BY cohort_index, period_index
ORDER BY cohort_index, period_index
