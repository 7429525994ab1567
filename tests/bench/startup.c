/* tests/bench/startup.c — start-up time of a command: runs it RUNS times (stdin, stdout and
 * stderr on /dev/null), measuring each run from fork to exit with CLOCK_MONOTONIC, after one
 * unmeasured warm-up run. Prints "median=MS min=MS max=MS runs=RUNS" (milliseconds, 3 decimals);
 * exits 1 if any run fails.
 *
 *   startup RUNS COMMAND [ARG...]        e.g.  startup 20 ./att -e ''
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run(char **argv)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("startup: fork");
        exit(1);
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "startup: %s failed\n", argv[0]);
        exit(1);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: startup RUNS COMMAND [ARG...]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    double *ms = malloc(sizeof *ms * (size_t)n);
    if (!ms) return 1;
    run(argv + 2);
    for (int i = 0; i < n; i++) ms[i] = run(argv + 2);
    qsort(ms, (size_t)n, sizeof *ms, cmp);
    double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    printf("median=%.3f min=%.3f max=%.3f runs=%d\n", median, ms[0], ms[n - 1], n);
    free(ms);
    return 0;
}
