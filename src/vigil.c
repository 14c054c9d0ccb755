/*
 * vigil — configuration defaults.
 */
#include "vigil.h"

#include <stdio.h>
#include <string.h>

void vigil_config_defaults(struct vigil_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
	c->listen_port = 8080;
	c->threads = 4;
	c->session_idle_ms = 30 * 60 * 1000;       /* 30 minutes unused */
	c->session_max_ms = 12 * 60 * 60 * 1000;   /* a 12-hour shift */
	c->login_max_failures = 5;
	c->login_backoff_ms = 1000;
	c->login_lockout_ms = 15 * 60 * 1000;
	c->addr_max_failures = 30;
	c->addr_slow_ms = 3000;
	c->web_root = NULL;
	c->attachment_max = 25 * 1024 * 1024;
	c->serial_victims = 2;
	c->review_days[0] = 90; /* standard */
	c->review_days[1] = 28; /* medium */
	c->review_days[2] = 7;  /* high */
	c->marac_escalation = 3;
	c->notify_hours = 24;
	c->contact_days = 7;
	c->geocoder_timeout_ms = 5000;
	c->housekeeping_secs = 60;
	c->audit_checkpoint_secs = 60;
	c->clock_skew_ms = 30000;
	c->http_max_connections = 4000;
	c->http_max_per_addr = 1024; /* a police station behind one address: 150 browsers */
	c->http_timeout_s = 15;
	c->http_header_s = 10;
	c->http_body_s = 30;
	c->osmand_max_connections = 4000;
	c->osmand_max_per_addr = 1000;
	c->tel_max_connections = 10000;
	c->tel_max_per_addr = 1000;
	c->tel_packet_s = 20;
	c->tel_max_buffered = 16LL * 1024 * 1024;
}
