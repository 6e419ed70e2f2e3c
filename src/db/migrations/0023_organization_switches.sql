-- Whether an organization is switched off, in one place for every reader (the key lookup, the
-- publisher's claim and its re-check, the webhook delivery claim): its own kill switch, its
-- suspension by its parent, or its parent's kill switch — an operator who switches off a partner
-- switches off the partner's child organizations with it (docs/organizations.md). Children are one
-- level deep, so one join reaches every ancestor. The global switch is read beside it (settings).
CREATE VIEW organization_switches AS
SELECT o.id,
       (o.kill_switch OR o.status = 'suspended' OR COALESCE(parent.kill_switch, false)) AS switched_off
FROM organizations o
LEFT JOIN organizations parent ON parent.id = o.parent_organization_id;
