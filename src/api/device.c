/*
 * device.c - the CLI's device login routes (`clawhub login`): POST /api/cli/device/code and
 * POST /api/cli/device/token, with ClawHub's statuses and bodies (reference section 1). The
 * codes and their states are src/auth/device.c's; this file reads the JSON and answers it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "auth/device.h"
#include "auth/token.h"
#include "core/util.h"

/* A string field of the body, trimmed and cut to max characters, else def. */
static void field(json_t *body, const char *key, size_t max, const char *def, char *out, size_t n)
{
	const char *v = body ? json_string_value(json_object_get(body, key)) : NULL;
	char *t = v ? sr_trim_dup(v, strlen(v)) : NULL;
	if (t && t[0]) {
		size_t len = strlen(t);
		if (len > max) {
			/* Cut at a character boundary, never inside a UTF-8 sequence. */
			len = max;
			while (len && ((unsigned char)t[len] & 0xC0) == 0x80)
				len--;
		}
		snprintf(out, n, "%.*s", (int)len, t);
	} else {
		snprintf(out, n, "%s", def);
	}
	free(t);
}

/* The origin (scheme://host[:port]) of an http(s) URL into out; 0 when it is not one. */
static int origin_of(const char *url, char *out, size_t n)
{
	size_t skip = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
	if (!skip)
		return 0;
	size_t len = skip + strcspn(url + skip, "/?#");
	if (len == skip || len >= n)
		return 0;
	for (size_t i = skip; i < len; i++)
		if (!isalnum((unsigned char)url[i]) && !strchr(".-:[]", url[i]))
			return 0;
	snprintf(out, n, "%.*s", (int)len, url);
	return 1;
}

void sr__device_code(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "device-code";
	json_error_t e;
	/* An unparsable body counts as an empty one. */
	json_t *body = req->body->len ? json_loadb(req->body->data, req->body->len, 0, &e) : NULL;
	if (!json_is_object(body)) {
		json_decref(body);
		body = NULL;
	}
	char scope[SR_DEVICE_SCOPE_MAX + 8], label[SR_DEVICE_LABEL_MAX * 4 + 8], site[600], origin[600];
	field(body, "scope", SR_DEVICE_SCOPE_MAX, "read write", scope, sizeof(scope));
	field(body, "label", SR_DEVICE_LABEL_MAX, "CLI device login", label, sizeof(label));
	field(body, "site_url", sizeof(site) - 1, "", site, sizeof(site));
	json_decref(body);
	/* Where ClawHub falls back to its own site, skillreg falls back to its own origin. */
	if (!origin_of(site, origin, sizeof(origin)))
		sr_app_origin(app, req, origin, sizeof(origin));
	sr_device_grant g;
	int rc = sr_device_start(req->store, label, scope, &g);
	if (rc) {
		sr__internal(resp, rc);
		return;
	}
	char uri[700];
	snprintf(uri, sizeof(uri), "%s/cli/device?user_code=%s", origin, g.user_code);
	sr_jw w;
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "device_code", g.device_code);
	sr_jw_kstr(&w, "user_code", g.user_code);
	sr_jw_kstr(&w, "verification_uri", uri);
	sr_jw_kint(&w, "expires_in", SR_DEVICE_TTL_S);
	sr_jw_kint(&w, "interval", SR_DEVICE_INTERVAL_S);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, 200);
}

static void oauth_error(sr_resp *resp, int status, const char *error, const char *description, int interval)
{
	sr_jw w;
	sr_buf_reset(&resp->body);
	sr_jw_init(&w, &resp->body);
	sr_jw_obj(&w);
	sr_jw_kstr(&w, "error", error);
	if (description)
		sr_jw_kstr(&w, "error_description", description);
	if (interval)
		sr_jw_kint(&w, "interval", interval);
	sr_jw_obj_end(&w);
	sr_resp_json(resp, status);
}

void sr__device_token(sr_app *app, sr_req *req, sr_resp *resp)
{
	req->route = "device-token";
	json_error_t e;
	json_t *body = req->body->len ? json_loadb(req->body->data, req->body->len, 0, &e) : NULL;
	const char *code = json_is_object(body) ? json_string_value(json_object_get(body, "device_code")) : NULL;
	const char *grant = json_is_object(body) ? json_string_value(json_object_get(body, "grant_type")) : NULL;
	if (!code || !code[0]) {
		oauth_error(resp, 400, "invalid_request", "device_code required", 0);
	} else if (!grant || strcmp(grant, "urn:ietf:params:oauth:grant-type:device_code") != 0) {
		oauth_error(resp, 400, "unsupported_grant_type", "device_code grant required", 0);
	} else {
		int result, interval = 0;
		char token[SR_TOKEN_LEN + 1], scope[208];
		int rc = sr_device_poll(req->store, code, &result, token, scope, &interval);
		if (rc)
			sr__internal(resp, rc);
		else if (result == SR_DEVICE_POLL_PENDING)
			oauth_error(resp, 428, "authorization_pending", NULL, 0);
		else if (result == SR_DEVICE_POLL_SLOW_DOWN)
			oauth_error(resp, 400, "slow_down", NULL, interval);
		else if (result == SR_DEVICE_POLL_DENIED)
			oauth_error(resp, 400, "access_denied", NULL, 0);
		else if (result == SR_DEVICE_POLL_EXPIRED)
			oauth_error(resp, 400, "expired_token", NULL, 0);
		else {
			sr_jw w;
			sr_jw_init(&w, &resp->body);
			sr_jw_obj(&w);
			sr_jw_kstr(&w, "access_token", token);
			sr_jw_kstr(&w, "token_type", "bearer");
			sr_jw_kstr(&w, "scope", scope);
			sr_jw_obj_end(&w);
			sr_resp_json(resp, 200);
		}
	}
	json_decref(body);
}
