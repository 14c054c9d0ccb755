/*
 * store/evidence — a case's evidence files, listed.
 */
#include "store/evidence.h"

int evidence_each(db *d, int64_t case_id, int (*fn)(const struct evidence_row *e, void *arg),
		  void *arg)
{
	struct evidence_row e;
	db_stmt *s;
	int rc;

	rc = db_prepare(d, &s,
			"SELECT ca.hash, ca.filename, ca.content_type, u.username, a.size, ca.uploaded_at"
			" FROM case_attachments ca JOIN attachments a ON a.hash = ca.hash"
			" LEFT JOIN users u ON u.id = ca.uploaded_by WHERE ca.case_id = ?"
			" ORDER BY ca.uploaded_at DESC, ca.hash");
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, case_id);
	while ((rc = db_step(s)) == DB_ROW) {
		e.hash = db_column_text(s, 0);
		e.filename = db_column_text(s, 1);
		e.content_type = db_column_text(s, 2);
		e.uploaded_by = db_column_text(s, 3);
		e.size = db_column_int64(s, 4);
		e.uploaded_at = db_column_int64(s, 5);
		if (fn(&e, arg))
			break;
	}
	db_finalize(s);
	return rc < 0 ? rc : 0;
}
