-- The XML among $digests that passed the rules $rules already, with the warnings that applied to each.
SELECT
    sha256,
    warnings
FROM facturx_rules_passed
WHERE rules = $rules AND list_contains($digests, sha256)
