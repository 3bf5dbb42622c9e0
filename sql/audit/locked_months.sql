-- The months the warehouse marks exported and locked.
SELECT month FROM accounting_exports WHERE locked;
