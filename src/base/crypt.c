/*
 * crypt — the data keys, sealed values and match keys (libsodium).
 */
#include "base/crypt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

#define SEAL_PREFIX "vs1."
#define MATCH_PREFIX "vh1."
#define KDF_CONTEXT "vigildat" /* crypto_kdf_CONTEXTBYTES: 8 */
#define KEYFILE_MAX 8192       /* 32 keys of 70 characters and comments fit easily */
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES

struct key {
	int id;
	unsigned char seal[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char match[crypto_generichash_KEYBYTES];
	char check[CRYPT_CHECK_LEN];
};

struct crypt_keys {
	pthread_rwlock_t lock; /* keys and n: shared to use, exclusive to reload */
	struct key keys[CRYPT_KEYS_MAX];
	int n;
	atomic_int current;
	char *path;
	/* the file as it was when read, to see that it changed */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	pthread_mutex_t reload_mu; /* one reload at a time */
};

/* ---- parsing and writing the file ---------------------------------------------- */

struct master {
	int id;
	unsigned char key[crypto_kdf_KEYBYTES];
};

struct file_keys {
	struct master m[CRYPT_KEYS_MAX];
	int n;
};

static void file_keys_wipe(struct file_keys *f)
{
	sodium_memzero(f, sizeof *f);
}

/* A key id as written: 1 to CRYPT_KEY_ID_MAX, decimal, no sign, no leading 0. */
static int parse_id(const char *s, size_t n)
{
	int v = 0;

	if (n == 0 || n > 5 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= CRYPT_KEY_ID_MAX ? v : -1;
}

/* Parse the text of a key file (text is wiped by the caller). */
static int parse_file(char *text, const char *path, struct file_keys *f, char *err, size_t errlen)
{
	char *line, *save = NULL;
	int lineno = 0;

	f->n = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line), hexlen, binlen;
		const char *idp, *hex, *sp;
		int id;

		lineno++;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (strncmp(line, "key ", 4) != 0)
			goto bad;
		idp = line + 4;
		sp = strchr(idp, ' ');
		if (!sp)
			goto bad;
		id = parse_id(idp, (size_t)(sp - idp));
		hex = sp + 1;
		hexlen = strlen(hex);
		if (id < 0 || hexlen != 2 * crypto_kdf_KEYBYTES)
			goto bad;
		for (int i = 0; i < f->n; i++)
			if (f->m[i].id == id) {
				snprintf(err, errlen, "%s: key %d is there twice (line %d)", path, id,
					 lineno);
				return -1;
			}
		if (f->n == CRYPT_KEYS_MAX) {
			snprintf(err, errlen, "%s holds more than %d keys: retire old ones", path,
				 CRYPT_KEYS_MAX);
			return -1;
		}
		if (sodium_hex2bin(f->m[f->n].key, sizeof f->m[f->n].key, hex, hexlen, NULL, &binlen,
				   NULL) != 0 ||
		    binlen != crypto_kdf_KEYBYTES)
			goto bad;
		f->m[f->n++].id = id;
		continue;
bad:
		snprintf(err, errlen,
			 "%s, line %d: not a key line (\"key ID HEX\": ID a number from 1, HEX 64 "
			 "hexadecimal digits); is this a Vigil data key file (vigil key init)?",
			 path, lineno);
		return -1;
	}
	if (f->n == 0) {
		snprintf(err, errlen, "%s holds no key: is this a Vigil data key file (vigil key init)?",
			 path);
		return -1;
	}
	return 0;
}

/* Read and parse the file; st gets its identity.  Checked as the audit key
 * is: a regular file of this user's, readable by it alone; read whole into a
 * buffer of ours (no stdio buffer keeps a copy). */
static int read_file(const char *path, struct file_keys *f, struct stat *st, char *err,
		     size_t errlen)
{
	char *text;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read the data key file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & 077)) {
		close(fd);
		snprintf(err, errlen,
			 "the data key file %s must be a regular file owned by this user and readable "
			 "by it alone (mode %03o): chown it and chmod 600 it",
			 path, (unsigned)(st->st_mode & 0777));
		return -1;
	}
	if (st->st_size > KEYFILE_MAX) {
		close(fd);
		snprintf(err, errlen, "%s is too large for a data key file", path);
		return -1;
	}
	text = xmalloc(KEYFILE_MAX + 1);
	while (got < KEYFILE_MAX && (n = read(fd, text + got, KEYFILE_MAX - got)) > 0)
		got += (size_t)n;
	close(fd);
	text[got] = '\0';
	if (memchr(text, '\0', got)) {
		snprintf(err, errlen, "%s is not a text file: not a Vigil data key file", path);
		rc = -1;
	} else {
		rc = parse_file(text, path, f, err, errlen);
	}
	sodium_memzero(text, KEYFILE_MAX + 1);
	free(text);
	if (rc < 0)
		file_keys_wipe(f);
	return rc;
}

static const char file_header[] =
	"# Vigil data keys: they seal what identifies or locates a victim in the database.\n"
	"# Keep this file outside the database and apart from its backups: whoever holds\n"
	"# both reads her details; whoever loses it loses them.  One \"key ID HEX\" line a\n"
	"# key; `vigil key add`, `rotate` and `retire` change it, never by hand.\n";

/* Write the keys to fd (a new file), then fsync; 0 or -1 (errno set). */
static int write_keys(int fd, const struct file_keys *f)
{
	struct buf b;
	char hex[2 * crypto_kdf_KEYBYTES + 1];
	int rc = 0;

	buf_init(&b);
	buf_puts(&b, file_header);
	for (int i = 0; i < f->n; i++) {
		sodium_bin2hex(hex, sizeof hex, f->m[i].key, sizeof f->m[i].key);
		buf_printf(&b, "key %d %s\n", f->m[i].id, hex);
	}
	sodium_memzero(hex, sizeof hex);
	for (size_t off = 0; off < b.len && rc == 0;) {
		ssize_t n = write(fd, b.data + off, b.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = -1;
		else
			off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -1;
	sodium_memzero(b.data, b.cap);
	buf_free(&b);
	return rc;
}

/* The directory of path, for an fsync after a rename. */
static void sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Replace the file at path by f: written to path.new (whose O_EXCL creation
 * also keeps two commands from changing the file at once), then renamed. */
static int replace_file(const char *path, const struct file_keys *f, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "the path %s is too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", tmp, strerror(errno),
			 errno == EEXIST ? " (another vigil key command is changing the file, or one "
					   "was interrupted: if none runs, remove it)"
					 : "");
		return -1;
	}
	if (write_keys(fd, f) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	sync_dir(path);
	return 0;
}

int crypt_keyfile_create(const char *path, char *err, size_t errlen)
{
	struct file_keys f = { .n = 1 };
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s%s", path, strerror(errno),
			 errno == EEXIST ? " (a key file is never overwritten: choose another file)"
					 : "");
		return -1;
	}
	f.m[0].id = 1;
	crypto_kdf_keygen(f.m[0].key);
	if (write_keys(fd, &f) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	if (rc < 0)
		unlink(path);
	else
		sync_dir(path);
	file_keys_wipe(&f);
	return rc;
}

int crypt_keyfile_add(const char *path, int *id, char *err, size_t errlen)
{
	struct file_keys f;
	struct stat st;
	int top = 0, rc;

	if (read_file(path, &f, &st, err, errlen) < 0)
		return -1;
	for (int i = 0; i < f.n; i++)
		if (f.m[i].id > top)
			top = f.m[i].id;
	if (f.n == CRYPT_KEYS_MAX || top >= CRYPT_KEY_ID_MAX) {
		snprintf(err, errlen, "%s holds %d keys, the most it may: retire old ones first", path,
			 f.n);
		file_keys_wipe(&f);
		return -1;
	}
	f.m[f.n].id = top + 1;
	crypto_kdf_keygen(f.m[f.n].key);
	f.n++;
	rc = replace_file(path, &f, err, errlen);
	if (rc == 0)
		*id = top + 1;
	file_keys_wipe(&f);
	return rc;
}

int crypt_keyfile_remove(const char *path, int id, char *err, size_t errlen)
{
	struct file_keys f;
	struct stat st;
	int j = 0, rc;

	if (read_file(path, &f, &st, err, errlen) < 0)
		return -1;
	for (int i = 0; i < f.n; i++)
		if (f.m[i].id != id)
			f.m[j++] = f.m[i];
	if (j == f.n) {
		snprintf(err, errlen, "%s holds no key %d", path, id);
		file_keys_wipe(&f);
		return -1;
	}
	if (j == 0) {
		snprintf(err, errlen, "key %d is the only key in %s", id, path);
		file_keys_wipe(&f);
		return -1;
	}
	sodium_memzero(&f.m[j], sizeof f.m[0] * (size_t)(f.n - j));
	f.n = j;
	rc = replace_file(path, &f, err, errlen);
	file_keys_wipe(&f);
	return rc;
}

/* ---- keys in memory ------------------------------------------------------------- */

static void derive(const struct master *m, struct key *k)
{
	unsigned char check[crypto_kdf_BYTES_MIN];

	k->id = m->id;
	crypto_kdf_derive_from_key(k->seal, sizeof k->seal, 1, KDF_CONTEXT, m->key);
	crypto_kdf_derive_from_key(k->match, sizeof k->match, 2, KDF_CONTEXT, m->key);
	crypto_kdf_derive_from_key(check, sizeof check, 3, KDF_CONTEXT, m->key);
	sodium_bin2hex(k->check, sizeof k->check, check, 8);
	sodium_memzero(check, sizeof check);
}

static int by_id(const void *a, const void *b)
{
	return ((const struct key *)a)->id - ((const struct key *)b)->id;
}

/* Install the file's keys (caller holds the write lock or owns k). */
static void install(crypt_keys *k, const struct file_keys *f, const struct stat *st)
{
	sodium_memzero(k->keys, sizeof k->keys);
	for (int i = 0; i < f->n; i++)
		derive(&f->m[i], &k->keys[i]);
	k->n = f->n;
	qsort(k->keys, (size_t)k->n, sizeof k->keys[0], by_id);
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = st->st_size;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
}

int crypt_keys_load(const char *path, crypt_keys **out, char *err, size_t errlen)
{
	struct file_keys f;
	struct stat st;
	crypt_keys *k;

	*out = NULL;
	if (read_file(path, &f, &st, err, errlen) < 0)
		return -1;
	k = xcalloc(1, sizeof *k);
	pthread_rwlock_init(&k->lock, NULL);
	pthread_mutex_init(&k->reload_mu, NULL);
	atomic_init(&k->current, 0);
	k->path = xstrdup(path);
	install(k, &f, &st);
	file_keys_wipe(&f);
	*out = k;
	return 0;
}

void crypt_keys_free(crypt_keys *k)
{
	if (!k)
		return;
	sodium_memzero(k->keys, sizeof k->keys);
	pthread_rwlock_destroy(&k->lock);
	pthread_mutex_destroy(&k->reload_mu);
	free(k->path);
	free(k);
}

/* Key id among the keys held, NULL when not (caller holds the lock). */
static const struct key *find(const crypt_keys *k, int id)
{
	for (int i = 0; i < k->n; i++)
		if (k->keys[i].id == id)
			return &k->keys[i];
	return NULL;
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

int crypt_keys_reload(crypt_keys *k, bool force, char *err, size_t errlen)
{
	struct file_keys f;
	struct stat st;
	int rc;

	pthread_mutex_lock(&k->reload_mu);
	if (!force && stat(k->path, &st) == 0 && st.st_dev == k->dev && st.st_ino == k->ino &&
	    st.st_size == k->size && same_time(st.st_mtim, k->mtime) &&
	    same_time(st.st_ctim, k->ctime)) {
		pthread_mutex_unlock(&k->reload_mu);
		return 0;
	}
	rc = read_file(k->path, &f, &st, err, errlen);
	if (rc == 0) {
		pthread_rwlock_wrlock(&k->lock);
		install(k, &f, &st);
		/* a current key the file no longer holds: none is current, and
		 * nothing is sealed until the caller chooses again */
		if (!find(k, atomic_load(&k->current)))
			atomic_store(&k->current, 0);
		pthread_rwlock_unlock(&k->lock);
		file_keys_wipe(&f);
		rc = 1;
	}
	pthread_mutex_unlock(&k->reload_mu);
	return rc;
}

const char *crypt_keys_path(const crypt_keys *k)
{
	return k->path;
}

int crypt_keys_ids(crypt_keys *k, int *ids, int max)
{
	int n = 0;

	pthread_rwlock_rdlock(&k->lock);
	for (int i = 0; i < k->n && n < max; i++)
		ids[n++] = k->keys[i].id;
	pthread_rwlock_unlock(&k->lock);
	return n;
}

bool crypt_keys_has(crypt_keys *k, int id)
{
	bool has;

	pthread_rwlock_rdlock(&k->lock);
	has = find(k, id) != NULL;
	pthread_rwlock_unlock(&k->lock);
	return has;
}

int crypt_keys_check(crypt_keys *k, int id, char out[CRYPT_CHECK_LEN])
{
	const struct key *key;
	int rc = -1;

	pthread_rwlock_rdlock(&k->lock);
	key = find(k, id);
	if (key) {
		memcpy(out, key->check, CRYPT_CHECK_LEN);
		rc = 0;
	}
	pthread_rwlock_unlock(&k->lock);
	return rc;
}

int crypt_keys_current(crypt_keys *k)
{
	return atomic_load(&k->current);
}

int crypt_keys_set_current(crypt_keys *k, int id)
{
	int rc = -1;

	pthread_rwlock_rdlock(&k->lock);
	if (id == 0 || find(k, id)) {
		atomic_store(&k->current, id);
		rc = 0;
	}
	pthread_rwlock_unlock(&k->lock);
	return rc;
}

/* ---- sealing ---------------------------------------------------------------------- */

char *crypt_seal(crypt_keys *k, const char *ad, const void *plain, size_t len)
{
	const struct key *key;
	unsigned char *raw;
	unsigned long long clen;
	size_t rawlen = NONCE_LEN + len + TAG_LEN, b64len, off;
	char *out = NULL;
	int id;

	pthread_rwlock_rdlock(&k->lock);
	id = atomic_load(&k->current);
	key = find(k, id);
	if (key) {
		raw = xmalloc(rawlen);
		randombytes_buf(raw, NONCE_LEN);
		crypto_aead_xchacha20poly1305_ietf_encrypt(raw + NONCE_LEN, &clen, plain, len,
							   (const unsigned char *)ad, strlen(ad), NULL,
							   raw, key->seal);
		b64len = sodium_base64_ENCODED_LEN(rawlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		out = xmalloc(sizeof SEAL_PREFIX + 6 + b64len);
		off = (size_t)sprintf(out, SEAL_PREFIX "%d.", id);
		sodium_bin2base64(out + off, b64len, raw, rawlen,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		free(raw);
	}
	pthread_rwlock_unlock(&k->lock);
	return out;
}

/* "vs1.ID." or "vh1.ID.": the id and where the rest begins; 0 when not. */
static int prefixed_id(const char *text, const char *prefix, const char **rest)
{
	size_t plen = strlen(prefix);
	const char *dot;
	int id;

	if (!text || strncmp(text, prefix, plen) != 0)
		return 0;
	dot = strchr(text + plen, '.');
	if (!dot)
		return 0;
	id = parse_id(text + plen, (size_t)(dot - text - plen));
	if (id < 0)
		return 0;
	if (rest)
		*rest = dot + 1;
	return id;
}

int crypt_sealed_key(const char *text)
{
	return prefixed_id(text, SEAL_PREFIX, NULL);
}

int crypt_open(crypt_keys *k, const char *ad, const char *sealed, char **out, size_t *outlen,
	       char *why, size_t whylen)
{
	const char *b64;
	const struct key *key;
	unsigned char *raw = NULL;
	unsigned long long mlen;
	size_t rawlen, b64len;
	char *m = NULL, err[300];
	int id = prefixed_id(sealed, SEAL_PREFIX, &b64), rc = -1;

	*out = NULL;
	if (!id) {
		snprintf(why, whylen, "it is not a sealed value (altered in the database?)");
		return -1;
	}
	b64len = strlen(b64);
	raw = xmalloc(b64len + 1);
	if (sodium_base642bin(raw, b64len + 1, b64, b64len, NULL, &rawlen, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen < NONCE_LEN + TAG_LEN) {
		snprintf(why, whylen, "it is not a well-formed sealed value (altered in the database?)");
		free(raw);
		return -1;
	}
	if (!crypt_keys_has(k, id))
		crypt_keys_reload(k, false, err, sizeof err); /* added since it was read? */
	pthread_rwlock_rdlock(&k->lock);
	key = find(k, id);
	if (!key) {
		snprintf(why, whylen, "it is sealed with key %d, which the data key file %s does not hold",
			 id, k->path);
	} else {
		m = xmalloc(rawlen - NONCE_LEN - TAG_LEN + 1);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
			    (unsigned char *)m, &mlen, NULL, raw + NONCE_LEN, rawlen - NONCE_LEN,
			    (const unsigned char *)ad, strlen(ad), raw, key->seal) != 0) {
			snprintf(why, whylen,
				 "it does not open with key %d: altered in the database, or sealed for "
				 "another row",
				 id);
			free(m);
			m = NULL;
		} else {
			m[mlen] = '\0';
			*out = m;
			if (outlen)
				*outlen = (size_t)mlen;
			rc = 0;
		}
	}
	pthread_rwlock_unlock(&k->lock);
	free(raw);
	return rc;
}

/* ---- matching ---------------------------------------------------------------------- */

int crypt_match(crypt_keys *k, int id, const char *domain, const char *value,
		char out[CRYPT_MATCH_LEN])
{
	const struct key *key;
	crypto_generichash_state st;
	unsigned char h[16], zero = 0;
	char hex[33];
	int rc = -1;

	pthread_rwlock_rdlock(&k->lock);
	if (!id)
		id = atomic_load(&k->current);
	key = find(k, id);
	if (key) {
		/* the domain, a NUL, the value: "phone" and "email" never collide */
		crypto_generichash_init(&st, key->match, sizeof key->match, sizeof h);
		crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain));
		crypto_generichash_update(&st, &zero, 1);
		crypto_generichash_update(&st, (const unsigned char *)value, strlen(value));
		crypto_generichash_final(&st, h, sizeof h);
		sodium_bin2hex(hex, sizeof hex, h, sizeof h);
		snprintf(out, CRYPT_MATCH_LEN, MATCH_PREFIX "%d.%s", id, hex);
		sodium_memzero(&st, sizeof st);
		rc = 0;
	}
	pthread_rwlock_unlock(&k->lock);
	return rc;
}

int crypt_match_key(const char *text)
{
	return prefixed_id(text, MATCH_PREFIX, NULL);
}
