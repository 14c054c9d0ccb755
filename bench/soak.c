/*
 * bench/soak — hostile connections against every port of a running `vigil
 * serve`, while a member of staff signs in.  Prints figures; never fails.
 *
 *   build/bench/soak API_PORT OSMAND_PORT TELTONIKA_PORT PASSWORD SERVER_PID
 *                    CONNECTIONS SECONDS FIRST_IMEI IMEIS
 *
 * CONNECTIONS hostile connections (kept open: one the server closes is
 * opened again 100 ms later) from 40 loopback addresses (127.0.0.10 to .49), a
 * share on each port (40% the API, 30% OsmAnd, 30% Teltonika), each one of:
 *   slow      headers (or a handshake) a byte every 2 s, never finished;
 *   half-open connects and says nothing;
 *   oversized announces a body of a gigabyte (or, on the Teltonika port, a
 *             registered tag's 64 KB packet: IMEIs FIRST_IMEI and up, IMEIS
 *             of them) and trickles it a byte every 2 s.
 * Meanwhile, twice a second, the user "soak-officer" signs in with PASSWORD
 * from 127.0.0.1 on a connection of her own.  Prints the sign-in times
 * (p50, p99, max, and any that failed), the hostile connections held and
 * opened, and the server's resident memory (VmRSS of SERVER_PID) each 10 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ADDRS 40
#define DRIP_MS 2000
#define REOPEN_MS 100 /* a closed connection is opened again this soon */

enum port { P_API, P_OSMAND, P_TEL };
enum kind { K_SLOW, K_HALF, K_BIG };

struct hostile {
	int fd;
	enum port port;
	enum kind kind;
	int addr;
	int64_t next_drip;
	int64_t reopen_at; /* closed: when the attacker comes back */
	int sent;
	bool connected;
};

static int ports[3];
static long long imei0;
static int nimeis;
static long long opened, closed_by_server;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

static int connect_from(int addr, int port)
{
	struct sockaddr_in src = { 0 }, dst = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	src.sin_family = dst.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)(10 + addr));
	dst.sin_addr.s_addr = htonl(0x7f000001u);
	dst.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What a hostile connection says first. */
static size_t opening(struct hostile *h, char *b, size_t cap, int i)
{
	switch (h->port) {
	case P_API:
		if (h->kind == K_BIG)
			return (size_t)snprintf(b, cap, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
							 "Content-Type: application/json\r\n"
							 "Content-Length: 1073741824\r\n\r\n{");
		return (size_t)snprintf(b, cap, "GET /api/v1/me HTTP/1.1\r\nHost: x\r\n");
	case P_OSMAND:
		if (h->kind == K_BIG)
			return (size_t)snprintf(b, cap, "POST / HTTP/1.1\r\nHost: x\r\n"
							 "Content-Length: 1073741824\r\n\r\nid=");
		return (size_t)snprintf(b, cap, "GET /?id=%d&lat=51.5", i);
	case P_TEL:
	default:
		if (h->kind == K_BIG && nimeis > 0) {
			/* a registered tag's handshake, then a 64 KB packet begun */
			char imei[32];
			int n = snprintf(imei, sizeof imei, "%lld", imei0 + i % nimeis);

			b[0] = 0;
			b[1] = (char)n;
			memcpy(b + 2, imei, (size_t)n);
			memset(b + 2 + n, 0, 8);
			b[2 + n + 6] = 0x01; /* data length 65,536 */
			b[2 + n + 8] = 0x08;
			return (size_t)(2 + n + 9);
		}
		b[0] = 0;
		return 1; /* the first byte of an IMEI's length */
	}
}

static void hostile_open(struct hostile *h, int efd, int i)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.u32 = (uint32_t)i };

	h->fd = connect_from(h->addr, ports[h->port]);
	h->connected = false;
	h->sent = 0;
	if (h->fd < 0) {
		h->reopen_at = now_ms() + REOPEN_MS;
		return;
	}
	opened++;
	epoll_ctl(efd, EPOLL_CTL_ADD, h->fd, &ev);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sign in from 127.0.0.1 on a connection of its own: ms, or -1. */
static double sign_in(const char *password)
{
	char req[1024], body[256], resp[512];
	struct sockaddr_in dst = { 0 };
	int64_t t0 = now_ms();
	int fd = socket(AF_INET, SOCK_STREAM, 0), n, k;
	struct timeval tv = { 5, 0 };
	ssize_t r;

	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(0x7f000001u);
	dst.sin_port = htons((uint16_t)ports[P_API]);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0) {
		close(fd);
		return -1;
	}
	n = snprintf(body, sizeof body, "{\"username\":\"soak-officer\",\"password\":\"%s\"}", password);
	k = snprintf(req, sizeof req, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
				      "Content-Type: application/json\r\nConnection: close\r\n"
				      "Content-Length: %d\r\n\r\n%s", n, body);
	if (write(fd, req, (size_t)k) != k) {
		close(fd);
		return -1;
	}
	r = read(fd, resp, sizeof resp - 1);
	close(fd);
	if (r < 12 || strncmp(resp + 9, "200", 3))
		return -1;
	return (double)(now_ms() - t0);
}

int main(int argc, char **argv)
{
	struct hostile *h;
	int nconn, secs, pid, efd;
	const char *password;
	double *lat;
	int nlat = 0, failed = 0;
	long rss0, rss_peak = 0, rss;
	int64_t t0, next_sign, next_rss, end;
	char buf[512];

	if (argc != 10) {
		fprintf(stderr, "usage: soak API_PORT OSMAND_PORT TELTONIKA_PORT PASSWORD SERVER_PID "
				"CONNECTIONS SECONDS FIRST_IMEI IMEIS\n");
		return 2;
	}
	ports[P_API] = atoi(argv[1]);
	ports[P_OSMAND] = atoi(argv[2]);
	ports[P_TEL] = atoi(argv[3]);
	password = argv[4];
	pid = atoi(argv[5]);
	nconn = atoi(argv[6]);
	secs = atoi(argv[7]);
	imei0 = atoll(argv[8]);
	nimeis = atoi(argv[9]);
	h = calloc((size_t)nconn, sizeof *h);
	lat = calloc((size_t)secs * 2 + 16, sizeof *lat);
	efd = epoll_create1(0);
	rss0 = rss_kb(pid);
	printf("soak: %d hostile connections (40%% API, 30%% OsmAnd, 30%% Teltonika; slow, "
	       "half-open, oversized) from %d addresses for %d s; a sign-in every 500 ms\n",
	       nconn, ADDRS, secs);
	printf("  server memory before: %ld kB\n", rss0);
	fflush(stdout);
	t0 = now_ms();
	for (int i = 0; i < nconn; i++) {
		h[i].port = i % 10 < 4 ? P_API : i % 10 < 7 ? P_OSMAND : P_TEL;
		h[i].kind = (enum kind)(i / 10 % 3);
		h[i].addr = i % ADDRS;
		hostile_open(&h[i], efd, i);
	}
	printf("  %lld hostile connections opened in %.1f s\n", opened, (double)(now_ms() - t0) / 1000);
	next_sign = next_rss = now_ms();
	end = now_ms() + (int64_t)secs * 1000;
	while (now_ms() < end) {
		struct epoll_event evs[256];
		int n = epoll_wait(efd, evs, 256, 50);
		int64_t now = now_ms();

		for (int e = 0; e < n; e++) {
			struct hostile *x = &h[evs[e].data.u32];

			if (x->fd < 0)
				continue;
			if (evs[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
				ssize_t r = read(x->fd, buf, sizeof buf);

				if (r == 0 || (r < 0 && errno != EAGAIN) ||
				    (evs[e].events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
					/* closed or refused: the attacker comes back soon */
					close(x->fd);
					x->fd = -1;
					x->reopen_at = now + REOPEN_MS;
					closed_by_server++;
					continue;
				}
			}
			if ((evs[e].events & EPOLLOUT) && !x->connected) {
				struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
							  .data.u32 = evs[e].data.u32 };
				size_t k;

				x->connected = true;
				epoll_ctl(efd, EPOLL_CTL_MOD, x->fd, &ev);
				if (x->kind != K_HALF) {
					k = opening(x, buf, sizeof buf, (int)evs[e].data.u32);
					if (write(x->fd, buf, k) < 0)
						continue;
				}
				x->next_drip = now + DRIP_MS;
			}
		}
		/* the slow and the oversized drip a byte each */
		for (int i = 0; i < nconn; i++)
			if (h[i].fd >= 0 && h[i].connected && h[i].kind != K_HALF && now >= h[i].next_drip) {
				if (write(h[i].fd, h[i].port == P_TEL && h[i].kind == K_SLOW ? "\x0f" : "a", 1) < 0 &&
				    errno != EAGAIN) {
					close(h[i].fd);
					h[i].fd = -1;
					h[i].reopen_at = now + REOPEN_MS;
					closed_by_server++;
					continue;
				}
				h[i].next_drip = now + DRIP_MS;
			}
		/* reopen what was closed, once its time comes */
		for (int i = 0; i < nconn; i++)
			if (h[i].fd < 0 && now >= h[i].reopen_at)
				hostile_open(&h[i], efd, i);
		if (now >= next_sign) {
			double ms = sign_in(password);

			if (ms < 0)
				failed++;
			else
				lat[nlat++] = ms;
			next_sign = now_ms() + 500;
		}
		if (now >= next_rss) {
			rss = rss_kb(pid);
			if (rss > rss_peak)
				rss_peak = rss;
			if (now > t0 + 1000 && (now - t0) / 10000 != (next_rss - 1000 - t0) / 10000)
				printf("  at %3lld s: server memory %ld kB; hostile connections opened %lld, "
				       "closed by the server %lld\n",
				       (long long)(now - t0) / 1000, rss, opened, closed_by_server);
			fflush(stdout);
			next_rss = now + 1000;
		}
	}
	qsort(lat, (size_t)nlat, sizeof *lat, cmp_double);
	{
		int held = 0;

		for (int i = 0; i < nconn; i++)
			held += h[i].fd >= 0 && h[i].connected;
		printf("  hostile connections open at the end: %d of %d; opened in all %lld, closed "
		       "by the server %lld\n",
		       held, nconn, opened, closed_by_server);
	}
	if (nlat)
		printf("  sign-in: %d answered 200, %d failed; p50 %.0f ms, p99 %.0f ms, max %.0f ms\n",
		       nlat, failed, lat[nlat / 2], lat[(nlat * 99) / 100], lat[nlat - 1]);
	else
		printf("  sign-in: none answered (%d failed)\n", failed);
	printf("  server memory: before %ld kB, peak %ld kB, at the end %ld kB\n", rss0, rss_peak,
	       rss_kb(pid));
	for (int i = 0; i < nconn; i++)
		if (h[i].fd >= 0)
			close(h[i].fd);
	free(h);
	free(lat);
	return 0;
}
