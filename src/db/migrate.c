/*
 * migrate — numbered schema migrations, applied in order, each in its own
 * transaction and recorded in schema_version.  A migration is never edited
 * once released: a change to the schema is a new migration at the end.
 *
 * The SQL is written for both engines.  Two tokens are rewritten per engine:
 * {ID} becomes the engine's auto-numbered primary key column type.  Times are
 * BIGINT milliseconds since the epoch; booleans are INTEGER 0/1.
 */
#include "db/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/mem.h"

struct migration {
	int version;
	const char *name;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1, "accounts, sessions, tokens and the audit trail",
	  "CREATE TABLE agencies ("
	  " id {ID},"
	  " code TEXT NOT NULL UNIQUE,"
	  " name TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('police','nhs','charity','contractor','other')),"
	  " created_at BIGINT NOT NULL);"
	  "CREATE TABLE users ("
	  " id {ID},"
	  " username TEXT NOT NULL UNIQUE,"
	  " display_name TEXT NOT NULL,"
	  " role TEXT NOT NULL,"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " password_hash TEXT NOT NULL,"
	  " disabled INTEGER NOT NULL DEFAULT 0,"
	  " failed_logins INTEGER NOT NULL DEFAULT 0,"
	  " last_failed_at BIGINT,"
	  " locked_until BIGINT,"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE TABLE sessions ("
	  " token_hash TEXT PRIMARY KEY,"
	  " user_id BIGINT NOT NULL REFERENCES users(id),"
	  " csrf_token TEXT NOT NULL,"
	  " created_at BIGINT NOT NULL,"
	  " last_seen_at BIGINT NOT NULL,"
	  " expires_at BIGINT NOT NULL,"
	  " client_addr TEXT);"
	  "CREATE INDEX sessions_user ON sessions(user_id);"
	  "CREATE TABLE api_tokens ("
	  " id {ID},"
	  " name TEXT NOT NULL,"
	  " token_hash TEXT NOT NULL UNIQUE,"
	  " prefix TEXT NOT NULL,"
	  " user_id BIGINT NOT NULL REFERENCES users(id),"
	  " scope TEXT NOT NULL CHECK (scope IN ('api','metrics')),"
	  " created_by BIGINT REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " expires_at BIGINT,"
	  " last_used_at BIGINT,"
	  " revoked_at BIGINT);"
	  /* The audit trail: append-only, hash-chained.  id is the position in the
	   * chain, assigned from chain_heads, so a deleted row leaves a gap. */
	  "CREATE TABLE audit_log ("
	  " id BIGINT PRIMARY KEY,"
	  " at BIGINT NOT NULL,"
	  " user_id BIGINT,"
	  " username TEXT,"
	  " agency TEXT,"
	  " action TEXT NOT NULL,"
	  " object TEXT,"
	  " outcome TEXT NOT NULL,"
	  " status INTEGER,"
	  " client_addr TEXT,"
	  " detail TEXT,"
	  " prev_hash TEXT NOT NULL,"
	  " hash TEXT NOT NULL);"
	  "CREATE INDEX audit_log_at ON audit_log(at);"
	  "CREATE INDEX audit_log_user ON audit_log(username);"
	  /* The head of each hash chain, updated in the same transaction as the
	   * append, so that removing the newest rows is detected too. */
	  "CREATE TABLE chain_heads ("
	  " chain TEXT PRIMARY KEY,"
	  " last_id BIGINT NOT NULL,"
	  " hash TEXT NOT NULL);"
	  "CREATE TABLE settings ("
	  " key TEXT PRIMARY KEY,"
	  " value TEXT NOT NULL);" },
	{ 2, "cases, people, identifiers, incidents and attachments",
	  /* The per-year counter behind STAC-YYYY-NNNNNN: incremented in the
	   * creating transaction, so a number is never given twice, and never
	   * reused even when the case is later removed by retention. */
	  "CREATE TABLE case_sequences ("
	  " year INTEGER PRIMARY KEY,"
	  " last_seq BIGINT NOT NULL);"
	  "CREATE TABLE persons ("
	  " id {ID},"
	  " full_name TEXT,"
	  " name_key TEXT,"
	  " dob TEXT,"
	  " description TEXT,"
	  " created_at BIGINT NOT NULL);"
	  "CREATE INDEX persons_name ON persons(name_key, dob);"
	  "CREATE TABLE person_aliases ("
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " name TEXT NOT NULL,"
	  " name_key TEXT NOT NULL);"
	  "CREATE INDEX person_aliases_key ON person_aliases(name_key);"
	  "CREATE INDEX person_aliases_person ON person_aliases(person_id);"
	  /* value: as given (normalised for display); match_key: the normalised
	   * form used to link people across cases. */
	  "CREATE TABLE person_identifiers ("
	  " id {ID},"
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " kind TEXT NOT NULL CHECK (kind IN ('phone','email','handle','vehicle','address')),"
	  " value TEXT NOT NULL,"
	  " match_key TEXT NOT NULL);"
	  "CREATE INDEX person_identifiers_match ON person_identifiers(kind, match_key);"
	  "CREATE INDEX person_identifiers_person ON person_identifiers(person_id);"
	  "CREATE TABLE cases ("
	  " id {ID},"
	  " ref TEXT NOT NULL UNIQUE,"
	  " status TEXT NOT NULL,"
	  " relationship TEXT NOT NULL,"
	  " channel TEXT NOT NULL,"
	  " summary TEXT,"
	  " owner_id BIGINT NOT NULL REFERENCES users(id),"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " risk_level TEXT,"
	  " typology TEXT,"
	  " four_fixated INTEGER, four_fixated_note TEXT,"
	  " four_obsessive INTEGER, four_obsessive_note TEXT,"
	  " four_unwanted INTEGER, four_unwanted_note TEXT,"
	  " four_repeated INTEGER, four_repeated_note TEXT,"
	  " screened_by BIGINT REFERENCES users(id),"
	  " screened_at BIGINT,"
	  " classification_reason TEXT,"
	  " signoff_by BIGINT REFERENCES users(id),"
	  " signoff_at BIGINT,"
	  " signoff_note TEXT,"
	  " created_by BIGINT NOT NULL REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX cases_agency ON cases(agency_id, id);"
	  "CREATE INDEX cases_owner ON cases(owner_id, id);"
	  "CREATE INDEX cases_created ON cases(created_at);"
	  "CREATE TABLE case_classifications ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " classification TEXT NOT NULL,"
	  " PRIMARY KEY (case_id, classification));"
	  "CREATE INDEX case_classifications_by ON case_classifications(classification, case_id);"
	  "CREATE TABLE case_people ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " role TEXT NOT NULL CHECK (role IN ('victim','suspect')),"
	  " PRIMARY KEY (case_id, person_id));"
	  "CREATE INDEX case_people_person ON case_people(person_id);"
	  /* A flag is raised while its row exists; raising and clearing are
	   * recorded in case_events. */
	  "CREATE TABLE case_flags ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " flag TEXT NOT NULL,"
	  " raised_at BIGINT NOT NULL,"
	  " note TEXT,"
	  " PRIMARY KEY (case_id, flag));"
	  "CREATE INDEX case_flags_by ON case_flags(flag, case_id);"
	  "CREATE TABLE case_assignments ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " user_id BIGINT NOT NULL REFERENCES users(id),"
	  " assigned_by BIGINT REFERENCES users(id),"
	  " assigned_at BIGINT NOT NULL,"
	  " PRIMARY KEY (case_id, user_id));"
	  "CREATE INDEX case_assignments_user ON case_assignments(user_id);"
	  /* Agencies a case is referred to (an advocate sees those of hers). */
	  "CREATE TABLE case_referrals ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " referred_by BIGINT REFERENCES users(id),"
	  " referred_at BIGINT NOT NULL,"
	  " note TEXT,"
	  " PRIMARY KEY (case_id, agency_id));"
	  "CREATE INDEX case_referrals_agency ON case_referrals(agency_id);"
	  /* Offenders in the behaviour-change programme (clinicians see their cases). */
	  "CREATE TABLE programme_enrolments ("
	  " id {ID},"
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " enrolled_by BIGINT REFERENCES users(id),"
	  " enrolled_at BIGINT NOT NULL,"
	  " consent_note TEXT,"
	  " ended_at BIGINT);"
	  "CREATE INDEX programme_person ON programme_enrolments(person_id);"
	  /* What happened to a case, for its timeline: created, screened, status
	   * moves, classification, sign-off, people, flags, referrals... */
	  "CREATE TABLE case_events ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " at BIGINT NOT NULL,"
	  " user_id BIGINT,"
	  " username TEXT,"
	  " kind TEXT NOT NULL,"
	  " detail TEXT);"
	  "CREATE INDEX case_events_case ON case_events(case_id, at);"
	  /* The incident log: append-only, one hash chain per case ("case:<id>"
	   * in chain_heads); seq is the entry's position in its case's chain. */
	  "CREATE TABLE incidents ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " seq BIGINT NOT NULL,"
	  " recorded_at BIGINT NOT NULL,"
	  " recorded_by BIGINT REFERENCES users(id),"
	  " recorded_by_name TEXT NOT NULL,"
	  " occurred_at BIGINT NOT NULL,"
	  " occurred_until BIGINT,"
	  " place TEXT,"
	  " behaviour TEXT NOT NULL,"
	  " description TEXT NOT NULL,"
	  " witnesses TEXT,"
	  " reporter TEXT,"
	  " attachments TEXT,"
	  " amends BIGINT,"
	  " amend_reason TEXT,"
	  " prev_hash TEXT NOT NULL,"
	  " hash TEXT NOT NULL,"
	  " UNIQUE (case_id, seq));"
	  "CREATE TABLE attachments ("
	  " hash TEXT PRIMARY KEY,"
	  " size BIGINT NOT NULL,"
	  " created_at BIGINT NOT NULL);"
	  "CREATE TABLE case_attachments ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " hash TEXT NOT NULL REFERENCES attachments(hash),"
	  " filename TEXT NOT NULL,"
	  " content_type TEXT NOT NULL,"
	  " uploaded_by BIGINT REFERENCES users(id),"
	  " uploaded_at BIGINT NOT NULL,"
	  " PRIMARY KEY (case_id, hash));" },
	{ 3, "risk assessments and typology decisions",
	  /* An assessment is never changed: a new one supersedes it.  It keeps
	   * the instrument version it was made on and both levels. */
	  "CREATE TABLE assessments ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " instrument TEXT NOT NULL,"
	  " instrument_version INTEGER NOT NULL,"
	  " answers TEXT NOT NULL,"
	  " notes TEXT,"
	  " yes_count INTEGER NOT NULL,"
	  " no_count INTEGER NOT NULL,"
	  " unknown_count INTEGER NOT NULL,"
	  " yes_items TEXT NOT NULL,"
	  " computed_level TEXT,"
	  " visible_high INTEGER NOT NULL,"
	  " judged_level TEXT,"
	  " judgement_reason TEXT,"
	  " final_level TEXT,"
	  " marac INTEGER NOT NULL,"
	  " marac_reasons TEXT NOT NULL,"
	  " assessed_by BIGINT NOT NULL REFERENCES users(id),"
	  " assessed_at BIGINT NOT NULL);"
	  "CREATE INDEX assessments_case ON assessments(case_id, id);"
	  "CREATE TABLE typology_decisions ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " typology TEXT NOT NULL,"
	  " rationale TEXT NOT NULL,"
	  " proposal TEXT,"
	  " decided_by BIGINT NOT NULL REFERENCES users(id),"
	  " decided_at BIGINT NOT NULL);"
	  "CREATE INDEX typology_decisions_case ON typology_decisions(case_id, id);"
	  /* The case's current level: who set it and when, the floor the latest
	   * checklist gives, and when the next review falls due. */
	  "ALTER TABLE cases ADD COLUMN risk_set_by BIGINT REFERENCES users(id);"
	  "ALTER TABLE cases ADD COLUMN risk_set_at BIGINT;"
	  "ALTER TABLE cases ADD COLUMN risk_floor TEXT;"
	  "ALTER TABLE cases ADD COLUMN review_due_at BIGINT;"
	  "ALTER TABLE cases ADD COLUMN marac_referred_at BIGINT;" },
	{ 4, "risk management plans, reviews, orders, breaches, tasks and victim care",
	  /* One plan per case; every change bumps its version and keeps a
	   * snapshot of the whole plan in plan_versions. */
	  "CREATE TABLE plans ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),"
	  " summary TEXT,"
	  " created_by BIGINT NOT NULL REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " updated_by BIGINT NOT NULL REFERENCES users(id),"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  /* case_id is the plan's case, kept here so that compliance lists find
	   * overdue actions without a join through plans. */
	  "CREATE TABLE plan_actions ("
	  " id {ID},"
	  " plan_id BIGINT NOT NULL REFERENCES plans(id),"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " category TEXT NOT NULL,"
	  " description TEXT NOT NULL,"
	  " owner_id BIGINT REFERENCES users(id),"
	  " agency_id BIGINT REFERENCES agencies(id),"
	  " due_at BIGINT,"
	  " status TEXT NOT NULL CHECK (status IN ('planned','in_progress','done','not_done')),"
	  " reason TEXT,"
	  " suggestion TEXT,"
	  " created_by BIGINT NOT NULL REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " done_at BIGINT);"
	  "CREATE INDEX plan_actions_plan ON plan_actions(plan_id, id);"
	  "CREATE INDEX plan_actions_case ON plan_actions(case_id, status);"
	  "CREATE INDEX plan_actions_due ON plan_actions(status, due_at);"
	  "CREATE TABLE plan_versions ("
	  " plan_id BIGINT NOT NULL REFERENCES plans(id),"
	  " version BIGINT NOT NULL,"
	  " changed_by BIGINT NOT NULL REFERENCES users(id),"
	  " changed_at BIGINT NOT NULL,"
	  " change TEXT NOT NULL,"
	  " snapshot TEXT NOT NULL,"
	  " PRIMARY KEY (plan_id, version));"
	  /* What the assessor made of each suggestion, once per plan. */
	  "CREATE TABLE plan_suggestion_decisions ("
	  " plan_id BIGINT NOT NULL REFERENCES plans(id),"
	  " suggestion TEXT NOT NULL,"
	  " decision TEXT NOT NULL CHECK (decision IN ('accepted','edited','rejected')),"
	  " reason TEXT,"
	  " action_id BIGINT REFERENCES plan_actions(id),"
	  " table_version INTEGER NOT NULL,"
	  " decided_by BIGINT NOT NULL REFERENCES users(id),"
	  " decided_at BIGINT NOT NULL,"
	  " PRIMARY KEY (plan_id, suggestion));"
	  /* Reviews of the plan; a closing review records the outcome the
	   * `closed` gate needs, and is superseded when the case reopens. */
	  "CREATE TABLE case_reviews ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " kind TEXT NOT NULL CHECK (kind IN ('review','closing')),"
	  " outcome TEXT,"
	  " summary TEXT NOT NULL,"
	  " next_review_at BIGINT,"
	  " superseded_at BIGINT,"
	  " reviewed_by BIGINT NOT NULL REFERENCES users(id),"
	  " reviewed_at BIGINT NOT NULL);"
	  "CREATE INDEX case_reviews_case ON case_reviews(case_id, id);"
	  /* notify_deadline: the end of an SPO subject's three days to notify
	   * his name and address, from service. */
	  "CREATE TABLE orders ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " kind TEXT NOT NULL,"
	  " status TEXT NOT NULL,"
	  " reference TEXT,"
	  " court TEXT,"
	  " applied_at BIGINT,"
	  " granted_at BIGINT,"
	  " served_at BIGINT,"
	  " starts_at BIGINT,"
	  " ends_at BIGINT,"
	  " until_further_order INTEGER NOT NULL DEFAULT 0,"
	  " notify_deadline BIGINT,"
	  " notified_at BIGINT,"
	  " notes TEXT,"
	  " created_by BIGINT NOT NULL REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX orders_case ON orders(case_id, id);"
	  "CREATE INDEX orders_status ON orders(status, ends_at);"
	  /* Prohibitions and requirements.  zone is a GeoJSON geometry (WGS 84,
	   * RFC 7946): the exclusion zone the monitoring engine enforces. */
	  "CREATE TABLE order_conditions ("
	  " id {ID},"
	  " order_id BIGINT NOT NULL REFERENCES orders(id),"
	  " kind TEXT NOT NULL,"
	  " detail TEXT,"
	  " zone TEXT,"
	  " radius_m BIGINT,"
	  " warning_m BIGINT,"
	  " distance_m BIGINT,"
	  " starts_at BIGINT,"
	  " ends_at BIGINT);"
	  "CREATE INDEX order_conditions_order ON order_conditions(order_id, id);"
	  "CREATE INDEX order_conditions_kind ON order_conditions(kind, order_id);"
	  /* A breach of an order: its evidence, the incident it created, and
	   * the crime record it prompts.  alert_id is the monitoring alert
	   * that confirmed it (no foreign key: alerts are the monitor's). */
	  "CREATE TABLE breaches ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " order_id BIGINT NOT NULL REFERENCES orders(id),"
	  " occurred_at BIGINT NOT NULL,"
	  " description TEXT NOT NULL,"
	  " evidence TEXT NOT NULL,"
	  " alert_id BIGINT UNIQUE,"
	  " incident_id BIGINT NOT NULL REFERENCES incidents(id),"
	  " crime_reference TEXT,"
	  " crime_recorded_at BIGINT,"
	  " outcome TEXT,"
	  " recorded_by BIGINT NOT NULL REFERENCES users(id),"
	  " recorded_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX breaches_case ON breaches(case_id, id);"
	  "CREATE INDEX breaches_order ON breaches(order_id, id);"
	  /* Tasks on a case: tell the victim about an event, chase a missed
	   * duty to notify, record a breach as a crime.  dedupe keeps a task
	   * Vigil raises itself from being raised twice (NULL for the others). */
	  "CREATE TABLE case_tasks ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " kind TEXT NOT NULL,"
	  " event TEXT,"
	  " detail TEXT,"
	  " event_at BIGINT NOT NULL,"
	  " due_at BIGINT NOT NULL,"
	  " order_id BIGINT REFERENCES orders(id),"
	  " breach_id BIGINT REFERENCES breaches(id),"
	  " dedupe TEXT UNIQUE,"
	  " opened_by BIGINT REFERENCES users(id),"
	  " opened_at BIGINT NOT NULL,"
	  " done_at BIGINT,"
	  " done_by BIGINT REFERENCES users(id),"
	  " done_note TEXT,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX case_tasks_case ON case_tasks(case_id, id);"
	  "CREATE INDEX case_tasks_open ON case_tasks(kind, done_at, due_at);"
	  "CREATE TABLE victim_contacts ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " contacted_at BIGINT NOT NULL,"
	  " method TEXT NOT NULL,"
	  " told TEXT NOT NULL,"
	  " notes TEXT,"
	  " contact_by BIGINT NOT NULL REFERENCES users(id),"
	  " recorded_by BIGINT NOT NULL REFERENCES users(id),"
	  " recorded_at BIGINT NOT NULL);"
	  "CREATE INDEX victim_contacts_case ON victim_contacts(case_id, contacted_at);"
	  /* consent: 1 she agreed to the referral sharing her details, 0 she
	   * refused, NULL not asked yet. */
	  "CREATE TABLE victim_referrals ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " service TEXT NOT NULL,"
	  " agency_id BIGINT REFERENCES agencies(id),"
	  " provider TEXT,"
	  " status TEXT NOT NULL,"
	  " consent INTEGER,"
	  " consent_note TEXT,"
	  " consent_at BIGINT,"
	  " note TEXT,"
	  " offered_by BIGINT NOT NULL REFERENCES users(id),"
	  " offered_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX victim_referrals_case ON victim_referrals(case_id, service);"
	  /* The victim's single point of contact. */
	  "ALTER TABLE cases ADD COLUMN spoc_id BIGINT REFERENCES users(id);" },
	{ 5, "electronic monitoring: devices, assignments, zones, fixes, alerts",
	  "CREATE TABLE devices ("
	  " id {ID},"
	  " uid TEXT NOT NULL UNIQUE,"
	  " kind TEXT NOT NULL CHECK (kind IN ('offender_tag','victim_phone','victim_alarm')),"
	  " protocol TEXT NOT NULL CHECK (protocol IN ('osmand','teltonika','json')),"
	  " expected_interval_s INTEGER NOT NULL,"
	  " created_at BIGINT NOT NULL,"
	  " rejected_fixes BIGINT NOT NULL DEFAULT 0);"
	  /* Which case a device watches, and whom (the suspect or the victim),
	   * for a period; an offender tag is evaluated only against the zones of
	   * the cases it is assigned to. */
	  "CREATE TABLE device_assignments ("
	  " id {ID},"
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " role TEXT NOT NULL CHECK (role IN ('suspect','victim')),"
	  " starts_at BIGINT NOT NULL,"
	  " ends_at BIGINT,"
	  " assigned_by BIGINT REFERENCES users(id));"
	  "CREATE INDEX device_assignments_device ON device_assignments(device_id);"
	  "CREATE INDEX device_assignments_case ON device_assignments(case_id);"
	  /* geometry: GeoJSON text; radius_m for a Point; a proximity zone has
	   * no fixed geometry (it follows the victim) but a radius. */
	  "CREATE TABLE zones ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " name TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('exclusion','proximity')),"
	  " geometry TEXT,"
	  " radius_m DOUBLE PRECISION,"
	  " warning_m DOUBLE PRECISION NOT NULL,"
	  " created_by BIGINT REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " removed_at BIGINT);"
	  "CREATE INDEX zones_case ON zones(case_id);"
	  /* Position history: one row per device and time, so a fix sent twice
	   * is stored once. */
	  "CREATE TABLE fixes ("
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " at BIGINT NOT NULL,"
	  " lat DOUBLE PRECISION NOT NULL,"
	  " lon DOUBLE PRECISION NOT NULL,"
	  " accuracy_m DOUBLE PRECISION,"
	  " speed_mps DOUBLE PRECISION,"
	  " heading DOUBLE PRECISION,"
	  " altitude DOUBLE PRECISION,"
	  " battery DOUBLE PRECISION,"
	  " received_at BIGINT NOT NULL,"
	  " PRIMARY KEY (device_id, at));"
	  "CREATE TABLE device_events ("
	  " id {ID},"
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " at BIGINT NOT NULL,"
	  " kind TEXT NOT NULL,"
	  " detail TEXT);"
	  "CREATE INDEX device_events_device ON device_events(device_id, at);"
	  "CREATE TABLE alerts ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " device_id BIGINT REFERENCES devices(id),"
	  " zone_id BIGINT REFERENCES zones(id),"
	  " kind TEXT NOT NULL,"
	  " severity TEXT NOT NULL CHECK (severity IN ('critical','high','medium','low')),"
	  " state TEXT NOT NULL CHECK (state IN ('open','acknowledged','dispatched','resolved')),"
	  " opened_at BIGINT NOT NULL,"
	  " fix_at BIGINT,"
	  " lat DOUBLE PRECISION,"
	  " lon DOUBLE PRECISION,"
	  " detail TEXT,"
	  " acknowledged_at BIGINT, acknowledged_by BIGINT REFERENCES users(id),"
	  " dispatched_at BIGINT, dispatched_by BIGINT REFERENCES users(id),"
	  " resolved_at BIGINT, resolved_by BIGINT REFERENCES users(id),"
	  " outcome TEXT, note TEXT,"
	  " escalated_at BIGINT,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX alerts_state ON alerts(state, id);"
	  "CREATE INDEX alerts_case ON alerts(case_id, id);"
	  /* Everything that happens to alerts, in order: the live stream and its
	   * resumption (Last-Event-ID) read this. */
	  "CREATE TABLE alert_events ("
	  " id {ID},"
	  " alert_id BIGINT NOT NULL REFERENCES alerts(id),"
	  " at BIGINT NOT NULL,"
	  " kind TEXT NOT NULL);"
	  /* Every webhook attempt, kept: who was told what, when, and whether
	   * the gateway took it. */
	  "CREATE TABLE notifications ("
	  " id {ID},"
	  " alert_id BIGINT NOT NULL REFERENCES alerts(id),"
	  " channel TEXT NOT NULL CHECK (channel IN ('centre','victim','police')),"
	  " attempt INTEGER NOT NULL,"
	  " at BIGINT NOT NULL,"
	  " http_status INTEGER,"
	  " error TEXT,"
	  " delivered INTEGER NOT NULL);"
	  "CREATE INDEX notifications_alert ON notifications(alert_id);" },
	{ 6, "indexes for the alert desk and for several nodes",
	  /* a standby answers a device's state from the alerts raised on it, and
	   * an alert's detail lists its events: neither should scan the table */
	  "CREATE INDEX alerts_device ON alerts(device_id, kind, opened_at);"
	  "CREATE INDEX alert_events_alert ON alert_events(alert_id, id);" },
	{ 7, "device reports: the events a device reported, kept until the engine applied them",
	  /* A panic, tamper, case-open or power-off report is stored with its
	   * fix, in the transaction that acknowledges it, and marked when an
	   * engine has applied it: an engine that stops (a node killed, the
	   * leadership lost) before applying one leaves it for the next, which
	   * replays what is unapplied at start.  An event report without a
	   * position is kept here too (fixes keeps positions only). */
	  "CREATE TABLE device_reports ("
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " at BIGINT NOT NULL,"
	  " flags INTEGER NOT NULL,"
	  " lat DOUBLE PRECISION,"
	  " lon DOUBLE PRECISION,"
	  " received_at BIGINT NOT NULL,"
	  " applied_at BIGINT,"
	  " PRIMARY KEY (device_id, at));"
	  "CREATE INDEX device_reports_unapplied ON device_reports(applied_at, received_at);" },
	{ 8, "agencies' lines: device owners, service agreements, service accounts, token scopes,"
	     " audit checkpoints",
	  /* A device belongs to the agency that registered it.  Devices made
	   * before this migration take the agency recorded in the audit trail
	   * when they were registered, else that of the first case they watched;
	   * one with neither stays without an owner (no one may use it until
	   * `vigil device owner` gives it one). */
	  "ALTER TABLE devices ADD COLUMN agency_id BIGINT REFERENCES agencies(id);"
	  "ALTER TABLE devices ADD COLUMN registered_by BIGINT REFERENCES users(id);"
	  "UPDATE devices SET agency_id = (SELECT ag.id FROM audit_log l"
	  " JOIN agencies ag ON ag.code = l.agency"
	  " WHERE l.action = 'device.create' AND l.outcome = 'ok' AND l.object = 'device:' || devices.uid"
	  " ORDER BY l.id LIMIT 1);"
	  "UPDATE devices SET agency_id = (SELECT c.agency_id FROM device_assignments da"
	  " JOIN cases c ON c.id = da.case_id WHERE da.device_id = devices.id"
	  " ORDER BY da.id LIMIT 1) WHERE agency_id IS NULL;"
	  "CREATE INDEX devices_agency ON devices(agency_id, id);"
	  /* An agency (a force) grants another (a monitoring contractor) a
	   * service: the provider's operators then work the alerts of the
	   * client's monitored cases and its devices, until revoked. */
	  "CREATE TABLE agency_services ("
	  " id {ID},"
	  " client_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " provider_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " service TEXT NOT NULL CHECK (service IN ('monitoring')),"
	  " granted_by BIGINT REFERENCES users(id),"
	  " granted_at BIGINT NOT NULL,"
	  " note TEXT,"
	  " revoked_by BIGINT REFERENCES users(id),"
	  " revoked_at BIGINT);"
	  "CREATE INDEX agency_services_provider ON agency_services(provider_id, service);"
	  "CREATE INDEX agency_services_client ON agency_services(client_id, service);"
	  /* A service account stands for an integration of its agency: it never
	   * signs in with a password; it acts through its tokens. */
	  "ALTER TABLE users ADD COLUMN service INTEGER NOT NULL DEFAULT 0;"
	  /* A token bound to devices posts their fixes and reads them, nothing
	   * else. */
	  "CREATE TABLE api_token_devices ("
	  " token_id BIGINT NOT NULL REFERENCES api_tokens(id),"
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " PRIMARY KEY (token_id, device_id));"
	  /* The token a request was made with, in its audit entry. */
	  "ALTER TABLE audit_log ADD COLUMN token_id BIGINT;"
	  /* Signed checkpoints of the audit chain's head (Ed25519, the key kept
	   * outside the database), so that removing the newest entries and
	   * moving the head is detected. */
	  "CREATE TABLE audit_checkpoints ("
	  " id {ID},"
	  " at BIGINT NOT NULL,"
	  " last_id BIGINT NOT NULL,"
	  " hash TEXT NOT NULL,"
	  " public_key TEXT NOT NULL,"
	  " signature TEXT NOT NULL);"
	  "CREATE INDEX audit_checkpoints_last ON audit_checkpoints(last_id);" },
	{ 9, "leases: which node leads, until when, with which fencing token",
	  /* Issue 14.  Leadership among the nodes sharing a PostgreSQL database
	   * (db_lease_hold in db/pgsql.c): one row per role led, naming its
	   * holder (a node), its epoch (the fencing token, one more at every
	   * grant) and its deadline, in ms on the database's own clock; the
	   * holder's database sessions (pids, the renewing one first), which the
	   * next holder ends.  A SQLite file has one node and leaves it empty.
	   * Self-contained: it depends on no other migration. */
	  "CREATE TABLE leases ("
	  " name TEXT PRIMARY KEY,"
	  " holder TEXT NOT NULL,"
	  " epoch BIGINT NOT NULL,"
	  " expires_at BIGINT NOT NULL,"
	  " sessions TEXT NOT NULL,"
	  " granted_at BIGINT NOT NULL,"
	  " renewed_at BIGINT NOT NULL);" },
	{ 10, "agencies' lines, mended: a service grant needs the provider's acceptance; a programme"
	      " enrolment names its NHS trust",
	  /* A grant counts only once the provider's administrator accepts it: no
	   * agency can make another its contractor (and so reach its devices)
	   * on its own say.  Grants made before stand as accepted (only the
	   * command line and administrators made them). */
	  "ALTER TABLE agency_services ADD COLUMN accepted_at BIGINT;"
	  "ALTER TABLE agency_services ADD COLUMN accepted_by BIGINT REFERENCES users(id);"
	  "UPDATE agency_services SET accepted_at = granted_at;"
	  "CREATE UNIQUE INDEX agency_services_live ON agency_services(client_id, provider_id, service)"
	  " WHERE revoked_at IS NULL;"
	  /* The trust whose clinicians treat an enrolled offender: only they see
	   * his case.  Earlier enrolments take the first NHS agency. */
	  "ALTER TABLE programme_enrolments ADD COLUMN agency_id BIGINT REFERENCES agencies(id);"
	  "UPDATE programme_enrolments SET agency_id = (SELECT MIN(id) FROM agencies WHERE kind = 'nhs');" },
	{ 11, "event time: fixes stamped ahead of the clock, late and repeated alerts",
	  /* A fix stamped more than the allowed skew ahead of the server's clock
	   * is kept, flagged, out of the rules and of the device's position. */
	  "ALTER TABLE fixes ADD COLUMN clock_ahead INTEGER NOT NULL DEFAULT 0;"
	  /* An alert decided on a fix (or a timer) at decided_at, event time;
	   * late when that was longer ago than the victim's warnings are current
	   * (a breach found in a backlog); repeats counts the visits after the
	   * first while it stayed unresolved, the latest at last_repeat_at. */
	  "ALTER TABLE alerts ADD COLUMN decided_at BIGINT;"
	  "ALTER TABLE alerts ADD COLUMN decided_by TEXT;"
	  "ALTER TABLE alerts ADD COLUMN late INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE alerts ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE alerts ADD COLUMN last_repeat_at BIGINT;"
	  /* a notification of a repeated visit (0: of the alert itself) */
	  "ALTER TABLE notifications ADD COLUMN repeat_no INTEGER NOT NULL DEFAULT 0;" },
	{ 12, "sign-in state of names that are no account",
	  /* Failed sign-ins under a name that is no account are counted as an
	   * account's are (keyed by a digest of the name), so that throttling
	   * and locking answer alike for both and tell no one which names
	   * exist.  Forgotten once their lock and window are past. */
	  "CREATE TABLE login_names ("
	  " name_key TEXT PRIMARY KEY,"
	  " failed_logins INTEGER NOT NULL,"
	  " last_failed_at BIGINT NOT NULL,"
	  " locked_until BIGINT);" },
	{ 13, "asking a tag to report faster: what each device was last asked, and what came of it",
	  /* Issue 14, "ask the tag".  One row per device ever asked (an offender
	   * tag on Teltonika): the reporting mode the engine wants of it, when
	   * it asked, and what became of the command on the device's session
	   * (written by whichever node holds it).  The history is in
	   * device_events; this is the state the device's page shows, and what a
	   * tag that connects again is still owed.  Self-contained: it depends
	   * on no other migration after 2. */
	  "CREATE TABLE device_reporting ("
	  " device_id BIGINT PRIMARY KEY REFERENCES devices(id),"
	  " mode TEXT NOT NULL CHECK (mode IN ('normal','fast')),"
	  " asked_at BIGINT NOT NULL,"
	  " state TEXT NOT NULL CHECK (state IN ('asked','sent','acknowledged','unanswered',"
	  "   'unavailable')),"
	  " command TEXT,"
	  " sent_at BIGINT,"
	  " acknowledged_at BIGINT,"
	  " response TEXT,"
	  " updated_at BIGINT NOT NULL);" },
	{ 14, "encryption at rest: the data keys, sealed positions of victims' devices, alerts'"
	      " positions and incidents' salts",
	  /* Issue 16.  What identifies or locates a victim is sealed
	   * (store/sealed.c): most of it in place, in its own text columns;
	   * positions in a `sealed` column beside lat and lon, which are then
	   * NULL.  fixes' lat and lon were NOT NULL: the table is made anew
	   * (SQLite cannot drop a NOT NULL), and a fix is either clear or
	   * sealed, never neither. */
	  "CREATE TABLE fixes_v13 ("
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " at BIGINT NOT NULL,"
	  " lat DOUBLE PRECISION,"
	  " lon DOUBLE PRECISION,"
	  " accuracy_m DOUBLE PRECISION,"
	  " speed_mps DOUBLE PRECISION,"
	  " heading DOUBLE PRECISION,"
	  " altitude DOUBLE PRECISION,"
	  " battery DOUBLE PRECISION,"
	  " received_at BIGINT NOT NULL,"
	  " clock_ahead INTEGER NOT NULL DEFAULT 0,"
	  " sealed TEXT,"
	  " PRIMARY KEY (device_id, at),"
	  " CHECK ((sealed IS NULL AND lat IS NOT NULL AND lon IS NOT NULL)"
	  "  OR (sealed IS NOT NULL AND lat IS NULL AND lon IS NULL)));"
	  "INSERT INTO fixes_v13 (device_id, at, lat, lon, accuracy_m, speed_mps, heading, altitude,"
	  " battery, received_at, clock_ahead) SELECT device_id, at, lat, lon, accuracy_m, speed_mps,"
	  " heading, altitude, battery, received_at, clock_ahead FROM fixes;"
	  "DROP TABLE fixes;"
	  "ALTER TABLE fixes_v13 RENAME TO fixes;"
	  "ALTER TABLE device_reports ADD COLUMN sealed TEXT;"
	  "ALTER TABLE alerts ADD COLUMN sealed TEXT;"
	  /* A random salt hashed into each new incident's chain entry and kept
	   * sealed: without it, the hash of an entry whose place is sealed
	   * would let anyone holding the database try every address against
	   * it.  Entries recorded before have none and hash as they did. */
	  "ALTER TABLE incidents ADD COLUMN salt TEXT;"
	  /* The keys the database's values are sealed with: their numbers in
	   * the key file and their check values (which prove a file holds the
	   * same key and reveal nothing of it).  One is current: the servers
	   * seal with it.  A retired key seals nothing any more. */
	  "CREATE TABLE data_keys ("
	  " id INTEGER PRIMARY KEY,"
	  " checksum TEXT NOT NULL,"
	  " state TEXT NOT NULL CHECK (state IN ('current','old','retired')),"
	  " added_at BIGINT NOT NULL,"
	  " retired_at BIGINT);"
	  /* A pass that seals every value with the target key: the first
	   * sealing of a database (kind 'seal') or a rotation ('rotate'),
	   * in small transactions; stage and cursor say how far it went, so
	   * an interrupted pass goes on from there. */
	  "CREATE TABLE data_key_jobs ("
	  " id {ID},"
	  " kind TEXT NOT NULL CHECK (kind IN ('seal','rotate')),"
	  " target INTEGER NOT NULL,"
	  " stage INTEGER NOT NULL DEFAULT 0,"
	  " cursor TEXT,"
	  " sealed BIGINT NOT NULL DEFAULT 0,"
	  " started_at BIGINT NOT NULL,"
	  " finished_at BIGINT);" },
	{ 15, "partners: cases shared for a purpose with consent, and the behaviour-change programme",
	  /* Issue 18.  A share opens a case to a partner agency for one purpose
	   * (core/access's purpose table says which parts of the case each
	   * purpose opens), on the consent of the person it is about or on a
	   * recorded lawful basis, from a date until withdrawn.  A withdrawn
	   * share is kept: it says who saw what, and until when.  The referrals
	   * made before shares existed become shares on the lawful basis of the
	   * referral (or her consent, where the referral recorded it), with the
	   * purpose the agency's kind implies.  Self-contained: it depends on
	   * no migration after 2. */
	  "CREATE TABLE case_shares ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " purpose TEXT NOT NULL CHECK (purpose IN ('victim_advocacy','assessment','treatment',"
	  "   'safeguarding')),"
	  " basis TEXT NOT NULL CHECK (basis IN ('consent','lawful_basis')),"
	  " consent_of TEXT CHECK (consent_of IN ('victim','offender')),"
	  " lawful_basis TEXT,"
	  " note TEXT,"
	  " origin TEXT NOT NULL CHECK (origin IN ('share','referral','victim_referral',"
	  "   'programme')),"
	  " starts_at BIGINT NOT NULL,"
	  " shared_by BIGINT REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " withdrawn_at BIGINT,"
	  " withdrawn_by BIGINT REFERENCES users(id),"
	  " withdrawn_reason TEXT,"
	  " version BIGINT NOT NULL DEFAULT 1,"
	  " CHECK ((basis = 'consent' AND consent_of IS NOT NULL)"
	  "   OR (basis = 'lawful_basis' AND lawful_basis IS NOT NULL)));"
	  "CREATE INDEX case_shares_case ON case_shares(case_id, agency_id);"
	  "CREATE INDEX case_shares_agency ON case_shares(agency_id, withdrawn_at);"
	  "INSERT INTO case_shares (case_id, agency_id, purpose, basis, consent_of, lawful_basis,"
	  " note, origin, starts_at, shared_by, created_at)"
	  " SELECT cr.case_id, cr.agency_id,"
	  " CASE a.kind WHEN 'charity' THEN 'victim_advocacy' WHEN 'nhs' THEN 'assessment'"
	  "   ELSE 'safeguarding' END,"
	  " CASE WHEN cr.note = 'victim referral, with consent' THEN 'consent' ELSE 'lawful_basis' END,"
	  " CASE WHEN cr.note = 'victim referral, with consent' THEN 'victim' END,"
	  " CASE WHEN cr.note = 'victim referral, with consent' THEN NULL"
	  "   ELSE 'referred by the police before sharing was recorded' END,"
	  " cr.note,"
	  " CASE WHEN cr.note = 'victim referral, with consent' THEN 'victim_referral'"
	  "   ELSE 'referral' END,"
	  " cr.referred_at, cr.referred_by, cr.referred_at"
	  " FROM case_referrals cr JOIN agencies a ON a.id = cr.agency_id;"
	  /* The programme.  A referral of a suspect (from a case, or his own
	   * through his officer) to a trust's programme; its screening against
	   * the criteria (core/programme.c) and the decision with its reasons;
	   * a place, or the waiting list when the cohort is full. */
	  "CREATE TABLE programme_referrals ("
	  " id {ID},"
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " source TEXT NOT NULL CHECK (source IN ('case','self')),"
	  " note TEXT,"
	  " referred_by BIGINT NOT NULL REFERENCES users(id),"
	  " referred_at BIGINT NOT NULL,"
	  " status TEXT NOT NULL CHECK (status IN ('referred','eligible','ineligible','waiting',"
	  "   'enrolled','declined')),"
	  " screening TEXT,"
	  " reasons TEXT,"
	  " decided_by BIGINT REFERENCES users(id),"
	  " decided_at BIGINT,"
	  " waiting_since BIGINT,"
	  " enrolment_id BIGINT REFERENCES programme_enrolments(id),"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX programme_referrals_agency ON programme_referrals(agency_id, status);"
	  "CREATE INDEX programme_referrals_person ON programme_referrals(person_id);"
	  /* An enrolment: the case it came from, the clinician who treats him,
	   * his informed consent (to the programme, and to wear a tag), when
	   * he left and why. */
	  "ALTER TABLE programme_enrolments ADD COLUMN case_id BIGINT REFERENCES cases(id);"
	  "ALTER TABLE programme_enrolments ADD COLUMN clinician_id BIGINT REFERENCES users(id);"
	  "ALTER TABLE programme_enrolments ADD COLUMN consent_at BIGINT;"
	  "ALTER TABLE programme_enrolments ADD COLUMN tag_consent INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE programme_enrolments ADD COLUMN tag_consent_withdrawn_at BIGINT;"
	  "ALTER TABLE programme_enrolments ADD COLUMN ended_reason TEXT;"
	  "ALTER TABLE programme_enrolments ADD COLUMN ended_by BIGINT REFERENCES users(id);"
	  "ALTER TABLE programme_enrolments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;"
	  /* an enrolment from before names no case: his first as the suspect */
	  "UPDATE programme_enrolments SET case_id = (SELECT MIN(cp.case_id) FROM case_people cp"
	  " WHERE cp.person_id = programme_enrolments.person_id AND cp.role = 'suspect'),"
	  " consent_at = enrolled_at;"
	  "CREATE TABLE programme_sessions ("
	  " id {ID},"
	  " enrolment_id BIGINT NOT NULL REFERENCES programme_enrolments(id),"
	  " planned_at BIGINT NOT NULL,"
	  " status TEXT NOT NULL CHECK (status IN ('planned','attended','missed','cancelled')),"
	  " run_by BIGINT REFERENCES users(id),"
	  " recorded_by BIGINT REFERENCES users(id),"
	  " recorded_at BIGINT,"
	  " followed_up_at BIGINT,"
	  " followed_up_by BIGINT REFERENCES users(id),"
	  " follow_up_note TEXT,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX programme_sessions_enrolment ON programme_sessions(enrolment_id, planned_at);"
	  /* Clinical notes: the treating trust's clinicians only. */
	  "CREATE TABLE clinical_notes ("
	  " id {ID},"
	  " enrolment_id BIGINT NOT NULL REFERENCES programme_enrolments(id),"
	  " written_by BIGINT NOT NULL REFERENCES users(id),"
	  " written_at BIGINT NOT NULL,"
	  " body TEXT NOT NULL);"
	  "CREATE INDEX clinical_notes_enrolment ON clinical_notes(enrolment_id, id);"
	  /* A disclosure to police: a risk the police must know, made apart
	   * from the clinical notes, seen by the officer in charge. */
	  "CREATE TABLE programme_disclosures ("
	  " id {ID},"
	  " enrolment_id BIGINT NOT NULL REFERENCES programme_enrolments(id),"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " made_by BIGINT NOT NULL REFERENCES users(id),"
	  " made_at BIGINT NOT NULL,"
	  " risk TEXT NOT NULL,"
	  " detail TEXT NOT NULL);"
	  "CREATE INDEX programme_disclosures_case ON programme_disclosures(case_id, id);"
	  /* The contact (phone, e-mail, address of the office) of an outside
	   * service a victim is referred to by name (no Vigil account). */
	  "ALTER TABLE victim_referrals ADD COLUMN provider_contact TEXT;" },
	{ 16, "the stalkers register: entries, their history, recognitions at intake, searches",
	  /* Issue 19.  An entry is a person of its own (persons, with
	   * aliases and identifiers as a case's suspect has them, so that the
	   * same match keys find him), on a lawful basis, managed at a level by
	   * a responsible officer, reviewed by a date.  Entries are shared by
	   * every force on this Vigil: agency_id is the force that entered it,
	   * not a wall.  origin* say where an imported entry came from. */
	  "CREATE TABLE register_entries ("
	  " id {ID},"
	  " person_id BIGINT NOT NULL REFERENCES persons(id),"
	  " basis TEXT NOT NULL CHECK (basis IN ('conviction','spo','panel')),"
	  " basis_ref TEXT NOT NULL,"
	  " category TEXT NOT NULL,"
	  " level INTEGER NOT NULL CHECK (level IN (1,2,3)),"
	  " responsible_id BIGINT NOT NULL REFERENCES users(id),"
	  " agency_id BIGINT NOT NULL REFERENCES agencies(id),"
	  " status TEXT NOT NULL CHECK (status IN ('active','removed')),"
	  " next_review_at BIGINT NOT NULL,"
	  " retain_until BIGINT,"
	  " reason TEXT NOT NULL,"
	  " origin TEXT,"
	  " origin_id BIGINT,"
	  " origin_officer TEXT,"
	  " created_by BIGINT REFERENCES users(id),"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " version BIGINT NOT NULL DEFAULT 1);"
	  "CREATE INDEX register_entries_person ON register_entries(person_id);"
	  "CREATE INDEX register_entries_review ON register_entries(status, next_review_at);"
	  "CREATE UNIQUE INDEX register_entries_origin ON register_entries(origin, origin_id);"
	  "CREATE TABLE register_entry_cases ("
	  " entry_id BIGINT NOT NULL REFERENCES register_entries(id),"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " PRIMARY KEY (entry_id, case_id));"
	  /* Every decision on an entry, with its reason and the entry as it
	   * stood after it (JSON), newest last. */
	  "CREATE TABLE register_history ("
	  " id {ID},"
	  " entry_id BIGINT NOT NULL REFERENCES register_entries(id),"
	  " version BIGINT NOT NULL,"
	  " at BIGINT NOT NULL,"
	  " user_id BIGINT,"
	  " username TEXT,"
	  " action TEXT NOT NULL,"
	  " reason TEXT,"
	  " snapshot TEXT NOT NULL);"
	  "CREATE INDEX register_history_entry ON register_history(entry_id, id);"
	  /* A new case's suspect recognised: as a register entry's man
	   * (entry_id) or as another case's suspect (other_case_id), with what
	   * matched.  seen_*: a supervisor of the case saw it; told_*: the
	   * entry's responsible officer acknowledged his man's new victim. */
	  "CREATE TABLE register_matches ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " entry_id BIGINT REFERENCES register_entries(id),"
	  " other_case_id BIGINT REFERENCES cases(id),"
	  " matched TEXT NOT NULL,"
	  " found_at BIGINT NOT NULL,"
	  " seen_at BIGINT, seen_by BIGINT REFERENCES users(id),"
	  " told_at BIGINT, told_by BIGINT REFERENCES users(id),"
	  " CHECK ((entry_id IS NULL) <> (other_case_id IS NULL)));"
	  "CREATE INDEX register_matches_case ON register_matches(case_id);"
	  "CREATE INDEX register_matches_entry ON register_matches(entry_id);"
	  /* The register's own oversight: every search and view with its
	   * stated purpose.  A query is kept as its kind and keyed hash (it may
	   * be a victim's number typed in the wrong box), with what it found. */
	  "CREATE TABLE register_access ("
	  " id {ID},"
	  " at BIGINT NOT NULL,"
	  " user_id BIGINT,"
	  " username TEXT NOT NULL,"
	  " agency TEXT,"
	  " action TEXT NOT NULL,"
	  " purpose TEXT NOT NULL,"
	  " query_kind TEXT,"
	  " query_hash TEXT,"
	  " entry_id BIGINT,"
	  " results INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX register_access_at ON register_access(at);" },
	{ 17, "her side: her warning's delivery, the case's code word, requests for help",
	  /* Issue 20.  Her warning by SMS (GOV.UK Notify) or a gateway: one row a
	   * message (the alert's, or a repeated visit's), with the provider's
	   * reference and what became of it.  Her number is not kept here: it is
	   * the case's, sealed in person_identifiers. */
	  "CREATE TABLE victim_messages ("
	  " id {ID},"
	  " alert_id BIGINT NOT NULL REFERENCES alerts(id),"
	  " repeat_no INTEGER NOT NULL DEFAULT 0,"
	  " provider TEXT NOT NULL CHECK (provider IN ('notify','webhook')),"
	  " reference TEXT,"
	  " state TEXT NOT NULL CHECK (state IN ('sending','sent','delivered','failed','no_number')),"
	  " detail TEXT,"
	  " escalated INTEGER NOT NULL DEFAULT 0,"
	  " created_at BIGINT NOT NULL,"
	  " updated_at BIGINT NOT NULL,"
	  " UNIQUE (alert_id, repeat_no));"
	  /* The word she agreed, which begins her warnings instead of Vigil's
	   * name (sealed: it is hers). */
	  "CREATE TABLE case_warning_words ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),"
	  " code_word TEXT,"
	  " updated_at BIGINT NOT NULL,"
	  " updated_by BIGINT NOT NULL REFERENCES users(id),"
	  " version INTEGER NOT NULL DEFAULT 1);"
	  /* Someone who is not (yet) a case asks for help on the public page:
	   * how to reach her and what she told us are sealed; the FOUR answers
	   * are 1 yes, 0 no, NULL not sure. */
	  "CREATE TABLE help_requests ("
	  " id {ID},"
	  " created_at BIGINT NOT NULL,"
	  " wants TEXT NOT NULL CHECK (wants IN ('advice','report')),"
	  " fixated INTEGER, obsessive INTEGER, unwanted INTEGER, repeated INTEGER,"
	  " story TEXT,"
	  " contact TEXT,"
	  " safe_times TEXT,"
	  " state TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new','accepted','answered','passed')),"
	  " case_id BIGINT REFERENCES cases(id),"
	  " agency_id BIGINT REFERENCES agencies(id),"
	  " outcome_note TEXT,"
	  " handled_by BIGINT REFERENCES users(id),"
	  " handled_at BIGINT,"
	  " version INTEGER NOT NULL DEFAULT 1);"
	  "CREATE INDEX help_requests_state ON help_requests(state, created_at);" },
	{ 18, "her app: enrolment, one-time codes, her devices and sessions",
	  /* Issue 20.  An officer or advocate enrols her (a case's victim): her
	   * app reports as a device of its own (a victim_phone assigned to the
	   * case), so a panic from it is a panic from her alarm.  She signs in
	   * with a code sent to her number, then sets a PIN on that phone; only
	   * hashes are kept.  Revoking the enrolment ends every device and
	   * session of it. */
	  "CREATE TABLE her_enrolments ("
	  " id {ID},"
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " device_id BIGINT NOT NULL REFERENCES devices(id),"
	  " assignment_id BIGINT NOT NULL REFERENCES device_assignments(id),"
	  " app_name TEXT NOT NULL,"
	  " enrolled_by BIGINT NOT NULL REFERENCES users(id),"
	  " enrolled_at BIGINT NOT NULL,"
	  " revoked_by BIGINT REFERENCES users(id),"
	  " revoked_at BIGINT);"
	  "CREATE TABLE her_codes ("
	  " id {ID},"
	  " enrolment_id BIGINT NOT NULL REFERENCES her_enrolments(id),"
	  " digest TEXT NOT NULL,"
	  " sent_at BIGINT NOT NULL,"
	  " expires_at BIGINT NOT NULL,"
	  " attempts INTEGER NOT NULL DEFAULT 0,"
	  " used_at BIGINT);"
	  "CREATE TABLE her_devices ("
	  " id {ID},"
	  " enrolment_id BIGINT NOT NULL REFERENCES her_enrolments(id),"
	  " digest TEXT NOT NULL UNIQUE,"
	  " pin_hash TEXT NOT NULL,"
	  " failed_pins INTEGER NOT NULL DEFAULT 0,"
	  " created_at BIGINT NOT NULL,"
	  " revoked_at BIGINT);"
	  "CREATE TABLE her_sessions ("
	  " digest TEXT PRIMARY KEY,"
	  " her_device_id BIGINT NOT NULL REFERENCES her_devices(id),"
	  " created_at BIGINT NOT NULL,"
	  " expires_at BIGINT NOT NULL);" },
	{ 19, "her app: Web Push subscriptions",
	  /* Issue 20.  Where her browser's push service takes an (empty) push
	   * for her phone: she is warned with the app closed. */
	  "CREATE TABLE her_push ("
	  " id {ID},"
	  " her_device_id BIGINT NOT NULL REFERENCES her_devices(id),"
	  " endpoint TEXT NOT NULL,"
	  " created_at BIGINT NOT NULL,"
	  " UNIQUE (her_device_id, endpoint));" },
	{ 20, "her app: what her officer released to her",
	  /* Issue 20.  Beyond her own warnings, calls for help and diary, she
	   * sees a part of her case only once it is released to her: her safety
	   * plan, the terms of the orders, who looks after her. */
	  "CREATE TABLE her_releases ("
	  " case_id BIGINT NOT NULL REFERENCES cases(id),"
	  " part TEXT NOT NULL CHECK (part IN ('plan','orders','contacts')),"
	  " released_by BIGINT NOT NULL REFERENCES users(id),"
	  " released_at BIGINT NOT NULL,"
	  " PRIMARY KEY (case_id, part));" },
	{ 21, "the stalkers register: the issuer's version of an imported entry",
	  /* An imported entry follows its issuer only forward: an older export
	   * brought in again (signed, trusted) must not take it back. */
	  "ALTER TABLE register_entries ADD COLUMN origin_version BIGINT;" },
};

/* Keep in step with the migrations: a new table goes here too (export refuses
 * a database holding a table this list does not name). */
const char *const db_tables[] = {
	"agencies", "users", "sessions", "api_tokens", "audit_log", "chain_heads", "settings",
	"case_sequences", "persons", "person_aliases", "person_identifiers", "cases",
	"case_classifications", "case_people", "case_flags", "case_assignments", "case_referrals",
	"programme_enrolments", "case_events", "incidents", "attachments", "case_attachments",
	"assessments", "typology_decisions", "plans", "plan_actions", "plan_versions",
	"plan_suggestion_decisions", "case_reviews", "orders", "order_conditions", "breaches",
	"case_tasks", "victim_contacts", "victim_referrals", "devices", "device_assignments",
	"zones", "fixes", "device_events", "alerts", "alert_events", "notifications",
	"device_reports", "agency_services", "api_token_devices", "audit_checkpoints", "leases",
	"login_names", "device_reporting", "data_keys", "data_key_jobs", "case_shares",
	"programme_referrals", "programme_sessions", "clinical_notes", "programme_disclosures",
	"register_entries", "register_entry_cases", "register_history", "register_matches",
	"register_access", "victim_messages", "case_warning_words", "help_requests",
	"her_enrolments", "her_codes", "her_devices", "her_sessions", "her_push", "her_releases",
	NULL,
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int db_schema_latest(void)
{
	return migrations[NMIGRATIONS - 1].version;
}

static int ensure_version_table(db *d)
{
	return db_exec(d, "CREATE TABLE IF NOT EXISTS schema_version ("
			  " version INTEGER PRIMARY KEY,"
			  " name TEXT NOT NULL,"
			  " applied_at BIGINT NOT NULL)");
}

int db_schema_version(db *d)
{
	int rc = ensure_version_table(d);

	return rc < 0 ? rc : db_schema_read(d);
}

int db_schema_read(db *d)
{
	int64_t v;
	int rc = db_get_int64(d, &v, "SELECT MAX(version) FROM schema_version", "");

	return rc < 0 ? rc : (int)v;
}

/* Replace {ID} with the engine's identity column type. */
static char *render(db *d, const char *sql)
{
	const char *id = ((struct db_common *)d)->be->id_column;
	struct buf b;

	buf_init(&b);
	for (const char *p = sql; *p;) {
		if (strncmp(p, "{ID}", 4) == 0) {
			buf_puts(&b, id);
			p += 4;
		} else {
			buf_append(&b, p++, 1);
		}
	}
	return buf_steal(&b);
}

/* 1 when the migration is recorded, 0 when not, negative on error. */
static int migration_applied(db *d, int version)
{
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s, "SELECT 1 FROM schema_version WHERE version = ?");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, version);
	rc = db_step(s);
	db_finalize(s);
	return rc < 0 ? rc : rc == DB_ROW;
}

int db_migrate(db *d, char *err, size_t errlen)
{
	int have, rc;

	have = db_schema_version(d);
	if (have < 0) {
		snprintf(err, errlen, "cannot read schema version: %s", db_errmsg(d));
		return DB_ERROR;
	}
	if (have > db_schema_latest()) {
		snprintf(err, errlen,
			 "the database schema is version %d, newer than this vigil knows (%d): "
			 "it was written by a newer release; run that release or a later one",
			 have, db_schema_latest());
		return DB_ERROR;
	}
	for (int i = 0; i < NMIGRATIONS; i++) {
		const struct migration *m = &migrations[i];
		char *sql;

		/* applied when not recorded, not merely when above the highest:
		 * migrations developed side by side may land out of order */
		rc = migration_applied(d, m->version);
		if (rc < 0) {
			snprintf(err, errlen, "cannot read schema version: %s", db_errmsg(d));
			return DB_ERROR;
		}
		if (rc)
			continue;
		if (db_begin_write(d) < 0) {
			snprintf(err, errlen, "migration %d: cannot begin: %s", m->version,
				 db_errmsg(d));
			return DB_ERROR;
		}
		/* Another process may have migrated while we waited for the lock. */
		rc = db_lock_chain(d, "schema_version");
		if (rc >= 0)
			rc = migration_applied(d, m->version);
		if (rc != 0) {
			db_rollback(d);
			if (rc < 0) {
				snprintf(err, errlen, "cannot read schema version: %s", db_errmsg(d));
				return DB_ERROR;
			}
			continue;
		}
		sql = render(d, m->sql);
		rc = db_exec(d, sql);
		free(sql);
		if (rc >= 0)
			rc = db_run(d, "INSERT INTO schema_version (version, name, applied_at) "
				       "VALUES (?, ?, ?)",
				    "iti", (int64_t)m->version, m->name, clock_now_ms());
		if (rc < 0) {
			snprintf(err, errlen, "migration %d (%s) failed: %s", m->version, m->name,
				 db_errmsg(d));
			db_rollback(d);
			return DB_ERROR;
		}
		if (db_commit(d) < 0) {
			snprintf(err, errlen, "migration %d: commit failed: %s", m->version,
				 db_errmsg(d));
			db_rollback(d);
			return DB_ERROR;
		}
	}
	return DB_OK;
}
