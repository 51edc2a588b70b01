/*
 * signin_ways.c - the sign-in page's buttons for the ways in besides local passwords (the hook
 * of signin.h). Each provider adds its button here: a link or a form (with the CSRF field) that
 * starts its flow and carries return_to along. No provider is built in yet, so it prints none.
 */
#include "web/signin.h"

void sr__web_signin_ways(sr_web_rq *rq, sr_buf *b, const char *return_to)
{
	(void)rq;
	(void)b;
	(void)return_to;
}
