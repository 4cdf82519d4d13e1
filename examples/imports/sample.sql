-- The bundled sample for examples/imports/orders-sqlite.yaml. Build the database with:
--   sqlite3 /tmp/acequia-sample.db < examples/imports/sample.sql
DROP TABLE IF EXISTS customers;
DROP TABLE IF EXISTS orders;
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  email TEXT
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER REFERENCES customers(id),
  status TEXT NOT NULL,
  total NUMERIC(10, 2),
  note TEXT,
  created_at TIMESTAMP NOT NULL
);
INSERT INTO customers (id, name, email) VALUES
  (1, 'Ana Martínez', 'ana@example.com'),
  (2, 'Bob "the builder" Smith', 'bob@example.com'),
  (3, 'Chen, Wei', NULL),
  (4, 'Dagny Taggart', 'dagny@example.com');
-- 1000 orders: a recursive CTE keeps the file short.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO orders (id, customer_id, status, total, note, created_at)
SELECT i,
       1 + (i % 4),
       CASE i % 10 WHEN 0 THEN 'draft' WHEN 1 THEN 'cancelled' ELSE 'shipped' END,
       round((i * 37 % 10000) / 100.0, 2),
       CASE WHEN i % 7 = 0 THEN NULL WHEN i % 11 = 0 THEN '' WHEN i % 13 = 0 THEN 'fragile,
handle with "care"' ELSE 'order ' || i END,
       datetime('2026-01-01 00:00:00', '+' || (i * 37) || ' minutes')
FROM n;
