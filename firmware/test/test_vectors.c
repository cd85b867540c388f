/* SPDX-License-Identifier: MIT */
/*
 * test_vectors.c - the shared protocol vectors (protocol/vectors, format in its README).
 * Every C-encodable valid vector is encoded from its .in.txt with the firmware's encoder
 * functions and must equal the .bin byte for byte; the reference decoder must read every
 * valid .bin without a bad frame; every .bin, valid or invalid, is fed to the command
 * parser, which must survive it (ASan/UBSan watch) and start nothing from an invalid one; and
 * the reference decoder must refuse an invalid vector's broken frames.
 * Run from the repository root (make does), or pass the vectors directory as argv[1].
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <string.h>
#include "tp_test.h"

static const char *vec_dir = "protocol/vectors";

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	size_t got;
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
	}
	fclose(f);
	*len = n;
	return b;
}

static uint64_t num(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return strtoull(s + 2, NULL, 16);
	return strtoull(s, NULL, 10);
}

/* value of key=... in a directive's tokens, or NULL */
static const char *field(char **tok, int ntok, const char *key)
{
	size_t kl = strlen(key);
	for (int i = 1; i < ntok; i++)
		if (strncmp(tok[i], key, kl) == 0 && tok[i][kl] == '=')
			return tok[i] + kl + 1;
	return NULL;
}

static uint64_t fnum(char **tok, int ntok, const char *key, uint64_t dflt)
{
	const char *v = field(tok, ntok, key);
	return v != NULL ? num(v) : dflt;
}

static unsigned hex_bytes(const char *h, uint8_t *out, unsigned max)
{
	unsigned n = 0;
	while (h[0] && h[1] && n < max) {
		char b[3] = {h[0], h[1], 0};
		out[n++] = (uint8_t)strtoul(b, NULL, 16);
		h += 2;
	}
	return n;
}

struct wire_name {
	int code;
	const char *name;
};
#define WIRE_NAME(code, name) {code, name},
static const struct wire_name kinds[] = {TP_WIRE_KINDS(WIRE_NAME)};
static const struct wire_name commands[] = {TP_WIRE_COMMANDS(WIRE_NAME)};

/* The code of a kind or command name of the vector format (the names of protocol/wire.json). */
static int code_of(const struct wire_name *t, size_t n, const char *s)
{
	for (size_t k = 0; k < n; k++)
		if (s != NULL && strcmp(s, t[k].name) == 0)
			return t[k].code;
	return -1;
}

static int kind_of(const char *s)
{
	return code_of(kinds, sizeof kinds / sizeof kinds[0], s);
}

struct enc {
	uint8_t *out;
	size_t len, cap;
	uint8_t msg[8192];
	size_t mlen;
	int in_packet;
	size_t n_events_pos; /* where the packet head ends (events follow) */
	uint64_t prev_t;
	struct tp_packet_info pi;
	uint8_t evbuf[8192];
	size_t evlen;
};

static void emit_frame(struct enc *e, const uint8_t *m, size_t n)
{
	if (e->len + n + n / 254 + 16 > e->cap) {
		e->cap = 2 * (e->len + n + 64);
		e->out = realloc(e->out, e->cap);
	}
	e->len += tp_frame_buffer(m, n, e->out + e->len);
}

static void end_packet(struct enc *e)
{
	if (!e->in_packet)
		return;
	uint8_t m[8192 + 64];
	size_t n = tp_enc_packet_head(m, &e->pi);
	memcpy(m + n, e->evbuf, e->evlen);
	emit_frame(e, m, n + e->evlen);
	e->in_packet = 0;
}

/* Returns 1 if encoded, 0 if the vector is not C-encodable, -1 on a syntax error. */
static int encode_vector(const char *text, struct enc *e)
{
	char *copy = strdup(text);
	char *save = NULL;
	int ok = 1;
	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = 0;
		char *tok[64];
		int nt = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(line, " \t\r", &s2); t != NULL && nt < 64; t = strtok_r(NULL, " \t\r", &s2))
			tok[nt++] = t;
		if (nt == 0)
			continue;
		if (strcmp(tok[0], "ev") == 0) {
			if (!e->in_packet) {
				ok = -1;
				break;
			}
			int kind = kind_of(field(tok, nt, "kind"));
			uint32_t id = (uint32_t)fnum(tok, nt, "id", 0);
			uint64_t t = fnum(tok, nt, "t", 0);
			uint64_t dt = t - e->prev_t;
			e->prev_t = t;
			const char *blob = field(tok, nt, "blob");
			const char *args = field(tok, nt, "args");
			if (kind < 0) {
				ok = -1;
				break;
			}
			if (blob != NULL) {
				uint8_t b[256];
				unsigned bl = hex_bytes(blob, b, sizeof b);
				e->evlen += tp_enc_blob_prefix(e->evbuf + e->evlen, (unsigned)kind, id, dt, bl);
				memcpy(e->evbuf + e->evlen, b, bl);
				e->evlen += bl;
			} else {
				uint64_t a[6];
				unsigned na = 0;
				if (args != NULL && *args) {
					char *ac = strdup(args), *s3 = NULL;
					for (char *v = strtok_r(ac, ",", &s3); v != NULL && na < 6; v = strtok_r(NULL, ",", &s3))
						a[na++] = num(v);
					free(ac);
				}
				e->evlen += tp_enc_event64(e->evbuf + e->evlen, (unsigned)kind, id, dt, a, na);
			}
			e->pi.n_events++;
			continue;
		}
		end_packet(e);
		if (strcmp(tok[0], "packet") == 0) {
			memset(&e->pi, 0, sizeof e->pi);
			e->pi.core = (uint8_t)fnum(tok, nt, "core", 0);
			e->pi.seq = (uint32_t)fnum(tok, nt, "seq", 0);
			e->pi.ts_begin = fnum(tok, nt, "ts_begin", 0);
			e->pi.duration = fnum(tok, nt, "ts_end", 0) - e->pi.ts_begin;
			e->pi.events_before = (uint32_t)fnum(tok, nt, "events_before", 0);
			e->pi.dropped = (uint32_t)fnum(tok, nt, "dropped", 0);
			e->pi.overwritten = (uint32_t)fnum(tok, nt, "overwritten", 0);
			e->pi.rejected = (uint32_t)fnum(tok, nt, "rejected", 0);
			e->prev_t = e->pi.ts_begin;
			e->evlen = 0;
			e->in_packet = 1;
		} else if (strcmp(tok[0], "header") == 0) {
			struct tp_header_info hi;
			uint8_t id[64];
			memset(&hi, 0, sizeof hi);
			hi.cores = (uint8_t)fnum(tok, nt, "cores", 1);
			const char *mode = field(tok, nt, "mode");
			hi.mode = (mode != NULL && strcmp(mode, "overwrite") == 0) ? 1 : 0;
			hi.timer_bits = (uint8_t)fnum(tok, nt, "bits", 32);
			hi.timer_hz = (uint32_t)fnum(tok, nt, "hz", 0);
			hi.packet_size = (uint16_t)fnum(tok, nt, "psize", 0);
			hi.packets = (uint16_t)fnum(tok, nt, "packets", 0);
			hi.ts = fnum(tok, nt, "ts", 0);
			hi.session = (uint32_t)fnum(tok, nt, "session", 0);
			hi.boot = (uint8_t)fnum(tok, nt, "boot", 0);
			const char *bid = field(tok, nt, "build_id");
			hi.build_id = id;
			hi.build_id_len = bid != NULL ? hex_bytes(bid, id, 32) : 0;
			uint8_t m[1024];
			size_t n = tp_enc_header_fixed(m, &hi);
			unsigned n_origins = 0;
			for (int i = 1; i < nt; i++) {
				if (strncmp(tok[i], "origin=", 7) != 0)
					continue;
				uint32_t o[5] = {0, 0, 0, 0, 0};
				char *oc = strdup(tok[i] + 7), *s3 = NULL;
				int k = 0;
				for (char *v = strtok_r(oc, ":", &s3); v != NULL && k < 5; v = strtok_r(NULL, ":", &s3))
					o[k++] = (uint32_t)num(v);
				free(oc);
				n += tp_enc_origin(m + n, o[0], o[1], o[2], o[3], o[4]);
				n_origins++;
			}
			for (; n_origins < hi.cores; n_origins++) /* origin defaults to zeros */
				n += tp_enc_origin(m + n, 0, 0, 0, 0, 0);
			emit_frame(e, m, n);
		} else if (strcmp(tok[0], "status") == 0) {
			struct tp_status_info si;
			memset(&si, 0, sizeof si);
			si.core = (uint8_t)fnum(tok, nt, "core", 0);
			si.final = (uint8_t)fnum(tok, nt, "final", 0);
			si.ts = fnum(tok, nt, "ts", 0);
			si.c.next_seq = (uint32_t)fnum(tok, nt, "next_seq", 0);
			si.c.committed = (uint32_t)fnum(tok, nt, "committed", 0);
			si.c.dropped = (uint32_t)fnum(tok, nt, "dropped", 0);
			si.c.overwritten = (uint32_t)fnum(tok, nt, "overwritten", 0);
			si.c.rejected = (uint32_t)fnum(tok, nt, "rejected", 0);
			uint8_t m[64];
			emit_frame(e, m, tp_enc_status(m, &si));
		} else if (strcmp(tok[0], "cmd") == 0 && nt >= 2) {
			int type = code_of(commands, sizeof commands / sizeof commands[0], tok[1]);
			if (type < 0) {
				ok = -1;
				break;
			}
			uint8_t m = (uint8_t)type;
			emit_frame(e, &m, 1);
		} else if (strcmp(tok[0], "frame") == 0 || strcmp(tok[0], "badcrc") == 0 ||
			   strcmp(tok[0], "raw") == 0) {
			ok = 0;
			break;
		} else {
			ok = -1;
			break;
		}
	}
	if (ok == 1)
		end_packet(e);
	free(copy);
	return ok;
}

static unsigned n_encoded, n_not_encodable, n_bins, n_c_encodable;

/* Occurrences of a literal in a file (the vectors' .json are written one field per line). */
static unsigned count_in_file(const char *path, const char *needle)
{
	size_t len = 0;
	uint8_t *b = read_file(path, &len);
	if (b == NULL)
		return 0;
	b = realloc(b, len + 1);
	b[len] = 0;
	unsigned n = 0;
	for (const char *p = (const char *)b; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(b);
	return n;
}

static void run_dir(const char *sub, int valid)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", vec_dir, sub);
	DIR *d = opendir(path);
	REQUIRE(d != NULL);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		if (nl < 5 || strcmp(de->d_name + nl - 4, ".bin") != 0)
			continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(nl - 4), de->d_name);
		char binp[800], inp[800], jsonp[800];
		snprintf(binp, sizeof binp, "%s/%s.bin", path, name);
		snprintf(inp, sizeof inp, "%s/%s.in.txt", path, name);
		snprintf(jsonp, sizeof jsonp, "%s/%s.json", path, name);
		if (valid)
			n_c_encodable += count_in_file(jsonp, "\"c_encodable\": true");
		size_t blen = 0, ilen = 0;
		uint8_t *bin = read_file(binp, &blen);
		uint8_t *in = read_file(inp, &ilen);
		tt_current = name;
		CHECK(bin != NULL);
		n_bins++;
		if (bin != NULL) {
			/* The command parser eats any stream without harm and starts nothing from
			 * target->host messages. */
			tt_reset();
			tt_init(TP_MODE_DISCARD, 128, 4, 1);
			for (size_t i = 0; i < blen; i++)
				tp_rx_byte(bin[i]);
			tp_rx_byte(0);
			/* No vector holds a well-formed CMD_START; command_body holds one with a body,
			 * which a target MUST ignore (SPEC §8). */
			if (!valid)
				CHECK_EQ(tp_started(), 0);
		}
		if (!valid && bin != NULL) {
			/* The reference decoder checks framing exactly and message contents only in part:
			 * every frame the vector breaks at the framing level (COBS, length, CRC, a cut) it
			 * must refuse, and it must refuse no more frames than the host refuses. */
			struct dec_stream s;
			dec_stream(bin, blen, &s);
			static const char *const framing[] = { "cobs_error", "frame_short", "frame_too_long",
							       "crc_mismatch", "truncated" };
			unsigned lo = 0;
			char pat[64];
			for (unsigned k = 0; k < sizeof framing / sizeof framing[0]; k++) {
				snprintf(pat, sizeof pat, "\"code\": \"%s\"", framing[k]);
				lo += count_in_file(jsonp, pat);
			}
			unsigned hi = count_in_file(jsonp, "\"level\": \"error\"") +
				      count_in_file(jsonp, "\"code\": \"truncated\"");
			if (s.n_bad < lo || s.n_bad > hi)
				fprintf(stderr, "%s: %zu bad frame(s), the vector expects %u..%u\n", name, s.n_bad, lo, hi);
			CHECK(s.n_bad >= lo && s.n_bad <= hi);
			dec_free(&s);
		}
		if (valid && bin != NULL && in != NULL) {
			struct dec_stream s;
			dec_stream(bin, blen, &s);
			CHECK_EQ(s.n_bad, 0);
			dec_free(&s);
			in = realloc(in, ilen + 1);
			in[ilen] = 0;
			struct enc e;
			memset(&e, 0, sizeof e);
			/* The encoder writes the current wire version only: older vectors only decode. */
			int r = count_in_file(jsonp, "\"c_encodable\": true") > 0 ? encode_vector((const char *)in, &e) : 0;
			CHECK(r >= 0);
			if (r == 1) {
				n_encoded++;
				CHECK_EQ(e.len, blen);
				if (e.len == blen && memcmp(e.out, bin, blen) != 0) {
					size_t i = 0;
					while (e.out[i] == bin[i])
						i++;
					fprintf(stderr, "%s: first difference at byte %zu: %02x != %02x\n", name, i,
						e.out[i], bin[i]);
					CHECK(0);
				}
			} else if (r == 0) {
				n_not_encodable++;
			}
			free(e.out);
		}
		free(bin);
		free(in);
	}
	closedir(d);
}

static void valid_vectors(void)
{
	run_dir("valid", 1);
	/* The vectors are part of the repository: their absence is a failure, not a skip. */
	CHECK(n_c_encodable > 0);
	CHECK_EQ(n_encoded, n_c_encodable);
}

static void invalid_vectors(void)
{
	run_dir("invalid", 0);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		vec_dir = argv[1];
	RUN(valid_vectors);
	RUN(invalid_vectors);
	printf("test_vectors: %u valid vectors encoded byte-identical, %u not C-encodable, %u streams parsed\n",
	       n_encoded, n_not_encodable, n_bins);
	return tt_summary("test_vectors");
}
