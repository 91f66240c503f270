/*
 * names.c: the names of verdicts, step results, steps and faults, as the
 * scenario format writes them and reports print them (sc_*_name in
 * scenario.h). The tables are indexed by the enums, so a new enum value
 * without a name fails the unit tests, not a run.
 */
#include <string.h>

#include "common/errname.h"
#include "scenario/scenario.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const verdict_names[] = {
	[SC_VERDICT_NOTHING] = "nothing",
	[SC_VERDICT_FIN] = "fin",
	[SC_VERDICT_RST] = "rst",
	[SC_VERDICT_TIMEOUT] = "timeout",
	[SC_VERDICT_UNREACHABLE] = "unreachable",
	[SC_VERDICT_REFUSED] = "refused",
};

static const char *const step_names[] = {
	[SC_STEP_ACCEPT] = "accept", [SC_STEP_CONNECT] = "connect",
	[SC_STEP_SEND] = "send", [SC_STEP_RECV] = "recv",
	[SC_STEP_WAIT] = "wait", [SC_STEP_SLEEP] = "sleep",
	[SC_STEP_HOLD] = "hold", [SC_STEP_SHUTDOWN] = "shutdown",
	[SC_STEP_CLOSE] = "close", [SC_STEP_ABORT] = "abort",
	[SC_STEP_EXIT] = "exit", [SC_STEP_CRASH] = "crash",
};

static const char *const fault_names[] = {
	[SC_FAULT_POWEROFF] = "poweroff", [SC_FAULT_POWERON] = "poweron",
	[SC_FAULT_REBOOT] = "reboot", [SC_FAULT_CRASH] = "crash",
	[SC_FAULT_FREEZE] = "freeze", [SC_FAULT_THAW] = "thaw",
	[SC_FAULT_UNPLUG] = "unplug", [SC_FAULT_PLUG] = "plug",
	[SC_FAULT_DELAY] = "delay", [SC_FAULT_LOSS] = "loss",
	[SC_FAULT_RATE] = "rate", [SC_FAULT_DROP] = "drop",
	[SC_FAULT_REJECT] = "reject", [SC_FAULT_PARTITION] = "partition",
	[SC_FAULT_HEAL] = "heal", [SC_FAULT_FORGET] = "forget",
};

const char *sc_verdict_name(enum sc_verdict v)
{
	if ((unsigned)v < COUNT(verdict_names) && verdict_names[v])
		return verdict_names[v];
	return "?";
}

int sc_verdict_parse(const char *text)
{
	for (size_t i = 0; i < COUNT(verdict_names); i++)
		if (verdict_names[i] && strcmp(verdict_names[i], text) == 0)
			return (int)i;
	return -1;
}

const char *sc_result_name(int result)
{
	if (result == SC_RESULT_OK)
		return "ok";
	if (result == SC_RESULT_EOF)
		return "eof";
	return errno_name(result);
}

const char *sc_step_name(enum sc_step_kind k)
{
	if ((unsigned)k < COUNT(step_names) && step_names[k])
		return step_names[k];
	return "?";
}

const char *sc_fault_name(enum sc_fault_kind k)
{
	if ((unsigned)k < COUNT(fault_names) && fault_names[k])
		return fault_names[k];
	return "?";
}
