-- Fails (insights.type references the types) while any insight of these
-- types exists: insights are what people paid for, and a down migration
-- does not delete them. Deactivate the types instead (PUT
-- /v1/admin/insight-types/{slug} with "active": false).
DELETE FROM insight_types WHERE slug IN ('summary', 'main-topics', 'tone');
DELETE FROM insight_categories WHERE slug = 'ai';
