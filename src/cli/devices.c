/*
 * devices — `vigil device list | owner`: the devices and the agencies that
 * own them.  A device made before devices had owners, whose registration the
 * audit trail does not record and which never watched a case, has none and
 * cannot be used until it is given one here.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

#include "store/account.h"
#include "store/monitor.h"

static const char help[] =
	"usage: vigil device list [--db PATH]\n"
	"       vigil device owner UID --agency AGENCY [--db PATH]\n"
	"\n"
	"list   every device, its kind and protocol, and the agency that owns it\n"
	"owner  give a device its owner (the agency that registered it): only its\n"
	"       agency, its monitoring contractors and the forces they serve may see,\n"
	"       assign or post positions for it\n";

enum { OPT_DB = 1000, OPT_HELP, OPT_AGENCY };

static const struct option opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "agency", required_argument, NULL, OPT_AGENCY },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int print_device(const struct device *dv, void *arg)
{
	(void)arg;
	printf("%-24s %-13s %-10s %s\n", dv->uid, dv->kind, dv->protocol,
	       dv->agency[0] ? dv->agency : "(no owner)");
	return 0;
}

int cli_device(int argc, char **argv)
{
	const char *dbopt = NULL, *agency = NULL, *pos[3];
	struct agency ag;
	struct device dv;
	char object[96], detail[96];
	int c, npos = 0, rc;
	db *d;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: dbopt = optarg; break;
		case OPT_AGENCY: agency = optarg; break;
		case OPT_HELP: fputs(help, stdout); return 0;
		case ':': return cli_usage_error("device", "option %s needs a value", argv[optind - 1]);
		default: return cli_usage_error("device", "unknown option '%s'", argv[optind - 1]);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (npos == 3)
			return cli_usage_error("device", "too many arguments");
		pos[npos++] = argv[i];
	}
	if (npos == 0)
		return cli_usage_error("device", "say what to do: list or owner");
	if (!strcmp(pos[0], "list")) {
		if (npos != 1)
			return cli_usage_error("device", "'device list' takes no arguments");
		if (cli_open_db(cli_db_url(dbopt), &d) < 0)
			return 1;
		printf("%-24s %-13s %-10s %s\n", "UID", "KIND", "PROTOCOL", "OWNER");
		rc = device_each(d, print_device, NULL);
		db_close(d);
		return rc < 0;
	}
	if (strcmp(pos[0], "owner") != 0)
		return cli_usage_error("device", "unknown subcommand '%s'", pos[0]);
	if (npos != 2 || !agency)
		return cli_usage_error("device", "'device owner' takes one UID and --agency AGENCY");
	if (cli_open_db(cli_db_url(dbopt), &d) < 0)
		return 1;
	if (device_get(d, pos[1], &dv) != 1 || agency_get_by_code(d, agency, &ag) != 1) {
		fprintf(stderr, "vigil device: %s\n",
			device_get(d, pos[1], &dv) != 1 ? "no such device (see 'vigil device list')"
							 : "unknown agency (see 'vigil agency list')");
		db_close(d);
		return 1;
	}
	rc = db_begin_write(d);
	if (rc >= 0)
		rc = device_set_agency(d, dv.id, ag.id);
	if (cli_commit(d, rc, "vigil device") < 0) {
		db_close(d);
		return 1;
	}
	snprintf(object, sizeof object, "device:%s", dv.uid);
	snprintf(detail, sizeof detail, "owner %s (was %s)", ag.code, dv.agency[0] ? dv.agency : "none");
	cli_audit_action(d, "device.owner", object, detail);
	printf("%s now belongs to %s\n", dv.uid, ag.code);
	db_close(d);
	return 0;
}
