-- Why a low rating was low: the ids of the reasons the customer chose (LOW_RATING_REASONS), as a JSON
-- array in the setting's order; NULL when none was chosen or the rating was not low. Ids, not labels,
-- so rewording a reason keeps its answers together in the report.
ALTER TABLE responses ADD COLUMN reasons TEXT;
