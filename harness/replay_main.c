// SPDX-License-Identifier: GPL-2.0
/*
 * replay_main.c - the standalone main for a libFuzzer-style target: runs
 * saved inputs once each, and converts between the op language's text and
 * bytes.
 *
 *   replay [--target T] [--variant V] [--cpus N] [--trace] [--events] [--no-fork] FILE|DIR...
 *   replay --asm FILE.ops -o FILE
 *   replay --dis FILE
 *   replay --dict
 *   replay --doc operands|opcodes|abi
 *
 * Each input runs in a child process (a report aborts it), from a buffer
 * of exactly its size so that an overread is caught; a file named *.ops is
 * the text form and is assembled first; a directory stands
 * for every file under it (recursively; hidden files and *.md skipped), in
 * name order.  One line per input on stdout: "OK  <file>" or
 * "FAIL <file>: <first report line>", the report itself on stderr.
 * Exit status: 0 every input passed, 1 one failed, 2 usage error or an
 * unreadable file (nothing is run then).
 */
#define _GNU_SOURCE	/* asprintf, strsignal */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "input.h"
#include "ops.h"

#include "targets.h"

static const struct fuzz_target *target = &fuzz_targets[0];

#ifdef SHEAF_COVERAGE
int __llvm_profile_write_file(void);
#endif

static const char *prog = "replay";

static void usage(FILE *out)
{
	fprintf(out,
		"usage: replay [--target T] [--variant V] [--cpus N] [--trace] [--events] [--no-fork]\n"
		"              FILE|DIR...\n"
		"       replay --asm FILE.ops -o FILE\n"
		"       replay --dis FILE\n"
		"       replay --dict\n"
		"       replay --doc operands|opcodes|abi\n"
		"\n"
		"Runs each input once (a directory: every file under it; FILE.ops: the text\n"
		"form, assembled first) and prints OK or FAIL per input; the report of a\n"
		"failure goes to stderr.\n"
		"  --target T   the target whose inputs these are: fuzz_ops (default) or\n"
		"               fuzz_sched\n"
		"  --variant V  model variant (sets SHEAF_VARIANT; default fixed)\n"
		"  --cpus N     vCPUs, 1..64 (sets SHEAF_CPUS; default 4)\n"
		"  --trace      print each op in the text form with its effect\n"
		"  --events     with --trace: also the sim backend's event trace\n"
		"  --no-fork    run in this process (for a debugger); a report ends it\n"
		"  --asm        assemble the text form into an input file\n"
		"  --dis        print an input file in the text form\n"
		"  --dict       print the fuzzing dictionary made from the op table\n"
		"  --doc WHAT   print the README's operand or opcode table, or the lines of\n"
		"               harness/opcodes.lock (abi), made from the tables\n"
		"Exit status: 0 all passed, 1 an input failed, 2 usage error or unreadable file.\n");
}

static __attribute__((noreturn, format(printf, 1, 2))) void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n%s: try --help\n", prog);
	va_end(ap);
	exit(2);
}

/*
 * Opens @path for reading if it is a regular file; anything else (a
 * directory, a FIFO, a device) is refused with its name, so that no tool
 * waits on a pipe or reads an endless /dev/zero.  NULL after the message.
 */
static FILE *open_regular(const char *path, const char *mode)
{
	struct stat st;
	FILE *f;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: '%s' is not a regular file\n", prog, path);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, mode);
	if (!f) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno));
		close(fd);
	}
	return f;
}

/* Reads @path into a buffer of exactly its size (NULL and an error message on failure). */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = open_regular(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto fail_close;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto fail_free;
	fclose(f);
	*size = (size_t)n;
	return buf;

fail_free:
	free(buf);
fail_close:
	fclose(f);
	fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno ? errno : EIO));
	return NULL;
}

static uint8_t *load_input(const char *path, size_t *size);

/* ------------------------------------------------------------ the list */

static char **files;
static size_t nr_files, files_cap;

static void add_file(const char *path)
{
	if (nr_files == files_cap) {
		files_cap = files_cap ? 2 * files_cap : 64;
		files = realloc(files, files_cap * sizeof(*files));
		if (!files)
			abort();
	}
	files[nr_files++] = strdup(path);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds @path, or every file under it; false if something cannot be read. */
static bool add_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	size_t first;
	DIR *d;
	bool ok = true;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: cannot read '%s': %s\n", prog, path, strerror(errno));
		return false;
	}
	if (S_ISREG(st.st_mode)) {
		add_file(path);
		return true;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: '%s' is not a regular file or a directory\n", prog, path);
		return false;
	}
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: cannot read directory '%s': %s\n", prog, path, strerror(errno));
		return false;
	}
	first = nr_files;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *sub;

		if (de->d_name[0] == '.' || (len > 3 && !strcmp(de->d_name + len - 3, ".md")))
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			abort();
		ok = add_path(sub) && ok;
		free(sub);
	}
	closedir(d);
	if (nr_files > first)
		qsort(files + first, nr_files - first, sizeof(*files), cmp_name);
	return ok;
}

/* ---------------------------------------------------------- running */

/* Whether @line starts a report: the first such line names the finding. */
static bool report_line(const char *line)
{
	return !strncmp(line, "BUG: ", 5) || !strncmp(line, "WARNING: ", 9) ||
	       strstr(line, "ERROR: AddressSanitizer") || strstr(line, "ERROR: LeakSanitizer") ||
	       strstr(line, "runtime error:") || strstr(line, "WARNING: ThreadSanitizer") ||
	       strstr(line, "ERROR: MemorySanitizer");
}

/*
 * Runs one input in a child; its stderr passes through us so that the
 * first report line can be quoted.  Returns true when it passed.
 */
static bool run_forked(const char *path, const uint8_t *data, size_t size)
{
	char line[1024], first[512] = "";
	int fds[2], status;
	FILE *err;
	pid_t pid;

	fflush(NULL);
	if (pipe(fds) || (pid = fork()) < 0) {
		fprintf(stderr, "%s: cannot start a child: %s\n", prog, strerror(errno));
		exit(2);
	}
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		close(fds[1]);
		target->one(data, size);
		fflush(NULL);
#ifdef SHEAF_COVERAGE
		/* _exit() skips the runtime's atexit dump: write this input's coverage */
		__llvm_profile_write_file();
#endif
		_exit(0);
	}
	close(fds[1]);
	err = fdopen(fds[0], "r");
	while (err && fgets(line, sizeof(line), err)) {
		fputs(line, stderr);
		if (!first[0] && report_line(line))
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(line, "\n"), line);
	}
	if (err)
		fclose(err);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !first[0]) {
		printf("OK   %s\n", path);
		return true;
	}
	if (!first[0]) {
		if (WIFSIGNALED(status))
			snprintf(first, sizeof(first), "killed by signal %d (%s)", WTERMSIG(status),
				 strsignal(WTERMSIG(status)));
		else
			snprintf(first, sizeof(first), "exit status %d", WEXITSTATUS(status));
	}
	printf("FAIL %s: %s\n", path, first);
	return false;
}

static int run_all(bool fork_each)
{
	uint8_t **bufs = calloc(nr_files ? nr_files : 1, sizeof(*bufs));
	size_t *sizes = calloc(nr_files ? nr_files : 1, sizeof(*sizes));
	size_t i, failed = 0;

	if (!bufs || !sizes)
		abort();
	for (i = 0; i < nr_files; i++) {
		bufs[i] = load_input(files[i], &sizes[i]);
		if (!bufs[i]) {
			while (i--)
				free(bufs[i]);
			free(bufs);
			free(sizes);
			return 2;
		}
	}
	for (i = 0; i < nr_files; i++) {
		if (!fork_each) {
			/* a report ends the process: what came before must be out, and it names the file */
			fflush(stdout);
			ops_config.input_name = files[i];
			target->one(bufs[i], sizes[i]);
			printf("OK   %s\n", files[i]);
			continue;
		}
		failed += !run_forked(files[i], bufs[i], sizes[i]);
	}
	if (nr_files != 1)
		printf("%s: %zu input(s), %zu passed, %zu failed\n", prog, nr_files,
		       nr_files - failed, failed);
	for (i = 0; i < nr_files; i++)
		free(bufs[i]);
	free(bufs);
	free(sizes);
	return failed ? 1 : 0;
}

/* ------------------------------------------------------- text <-> bytes */

/* Assembles the text form in @in_path (NULL after printing what is wrong). */
static uint8_t *assemble(const char *in_path, size_t *size)
{
	FILE *in = open_regular(in_path, "r");
	uint8_t *buf;

	if (!in)
		return NULL;
	buf = program_assemble(in, in_path, size);
	fclose(in);
	return buf;
}

static bool is_text(const char *path)
{
	size_t len = strlen(path);

	return len > 4 && !strcmp(path + len - 4, ".ops");
}

/* An input: a binary file as it is, a text file (*.ops) assembled. */
static uint8_t *load_input(const char *path, size_t *size)
{
	return is_text(path) ? assemble(path, size) : read_file(path, size);
}

static int assemble_to(const char *in_path, const char *out_path)
{
	size_t len;
	uint8_t *buf = assemble(in_path, &len);
	FILE *out;

	if (!buf)
		return 2;
	out = fopen(out_path, "wb");
	if (!out || (len && fwrite(buf, 1, len, out) != len) || fclose(out)) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", prog, out_path, strerror(errno));
		free(buf);
		return 2;
	}
	free(buf);
	return 0;
}

static int disassemble(const char *path)
{
	size_t size;
	uint8_t *data = load_input(path, &size);

	if (!data)
		return 2;
	program_disassemble(data, size, stdout);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	const char *asm_in = NULL, *out = NULL, *dis = NULL, *doc = NULL;
	bool trace = false, events = false, fork_each = true, dict = false, ok = true;
	int i, nr_paths = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--variant") || !strcmp(a, "--cpus") || !strcmp(a, "--asm") ||
		    !strcmp(a, "--target") ||
		    !strcmp(a, "-o") || !strcmp(a, "--dis") || !strcmp(a, "--doc")) {
			if (i + 1 >= argc)
				die_usage("option %s needs a value", a);
			if (!strcmp(a, "--variant")) {
				if (!*argv[i + 1])
					die_usage("--variant wants a variant name, not an empty string");
				setenv("SHEAF_VARIANT", argv[++i], 1);
			}
			else if (!strcmp(a, "--target")) {
				target = fuzz_target_lookup(argv[++i]);
				if (!target)
					die_usage("unknown target '%s' (fuzz_ops, fuzz_sched)", argv[i]);
			}
			else if (!strcmp(a, "--cpus"))
				setenv("SHEAF_CPUS", argv[++i], 1);
			else if (!strcmp(a, "--asm"))
				asm_in = argv[++i];
			else if (!strcmp(a, "-o"))
				out = argv[++i];
			else if (!strcmp(a, "--doc"))
				doc = argv[++i];
			else
				dis = argv[++i];
		} else if (!strcmp(a, "--trace")) {
			trace = true;
		} else if (!strcmp(a, "--events")) {
			events = true;
		} else if (!strcmp(a, "--no-fork")) {
			fork_each = false;
		} else if (!strcmp(a, "--dict")) {
			dict = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			die_usage("unknown option '%s'", a);
		} else {
			nr_paths++;
			ok = add_path(a) && ok;
		}
	}

	if (asm_in || out) {
		if (!asm_in || !out || dis || dict || nr_paths)
			die_usage("--asm FILE.ops -o FILE takes nothing else");
		return assemble_to(asm_in, out);
	}
	if (dis) {
		if (dict || nr_paths)
			die_usage("--dis FILE takes nothing else");
		return disassemble(dis);
	}
	if (doc) {
		if (dict || nr_paths)
			die_usage("--doc %s takes nothing else", doc);
		if (ops_print_doc(stdout, doc))
			die_usage("--doc takes operands, opcodes or abi, not '%s'", doc);
		return 0;
	}
	if (dict) {
		if (nr_paths)
			die_usage("--dict takes nothing else");
		ops_print_dict(stdout);
		return 0;
	}
	if (!ok)
		return 2;
	if (!nr_paths)
		die_usage("no input given");
	if (!nr_files)
		die_usage("no input file under the path(s) given (hidden files and *.md are skipped)");

	target->init(&argc, &argv);
	if (trace) {
		/* a line at a time: a report on stderr must not overtake the trace */
		setvbuf(stdout, NULL, _IOLBF, 0);
		ops_config.trace = stdout;
		ops_config.events = events;
	}
	return run_all(fork_each);
}
