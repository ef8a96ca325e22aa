// SPDX-License-Identifier: GPL-2.0
/*
 * variant_main.c - sheaf_variants: lists the variants the model can run,
 * or checks a name.
 *
 *   sheaf_variants                 one line per variant
 *   sheaf_variants --check NAME    exit 0 if NAME is a variant, else 2
 */
#include <stdio.h>
#include <string.h>
#include "variant.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sheaf_variants [--list-variants | --check NAME | --help]\n"
		"Lists the model's variants (select one with SHEAF_VARIANT=NAME or\n"
		"--variant NAME on the fuzz and test programs): name, what changes,\n"
		"origin (a kernel commit or a mutant), expected oracle.\n");
}

int main(int argc, char **argv)
{
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "--list-variants"))) {
		variant_print_list(stdout);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return variant_select(argv[2]) ? 2 : 0;
	usage(stderr);
	return 2;
}
