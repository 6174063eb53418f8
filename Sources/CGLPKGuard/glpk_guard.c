/* clock_gettime(CLOCK_MONOTONIC) under a strict -std=c11 on glibc; macOS exposes it by default. */
#if defined(__linux__) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "glpk_guard.h"

#include <glpk.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One per guarded call, on that call's stack: nothing is shared between threads. */
typedef struct guard {
    jmp_buf jump;
    char *errbuf;
    size_t errlen;
    size_t used;
} guard;

static void guard_append(guard *g, const char *s) {
    if (g->errbuf == NULL || g->errlen == 0) return;
    size_t room = g->errlen - 1 - g->used;
    size_t n = strlen(s);
    if (n > room) n = room;
    memcpy(g->errbuf + g->used, s, n);
    g->used += n;
    g->errbuf[g->used] = '\0';
}

static void set_message(char *errbuf, size_t errlen, const char *fmt, ...) {
    if (errbuf == NULL || errlen == 0) return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(errbuf, errlen, fmt, args);
    va_end(args);
}

/*
 * GLPK's fatal-error path switches terminal output back on before printing its
 * message, so this hook sees exactly the error text; everything else (with
 * output off, little reaches it) is dropped. Returning nonzero keeps it all off
 * stdout, which callers may use for their own output.
 */
static int term_hook(void *info, const char *s) {
    if (glp_at_error()) guard_append((guard *)info, s);
    return 1;
}

/* GLPK calls abort() if this returns, so it must not. */
static void error_hook(void *info) {
    longjmp(((guard *)info)->jump, 1);
}

/*
 * Runs body(context) with the calling thread's GLPK environment hooked, then
 * frees that environment either way. After a caught error the environment's
 * objects are in an unknown state and glp_free_env() is the only safe cleanup;
 * doing the same on success means no environment lingers on pool threads.
 */
static int run_guarded(void (*body)(void *), void *context, char *errbuf, size_t errlen) {
    guard g;
    g.errbuf = errbuf;
    g.errlen = errlen;
    g.used = 0;
    if (errbuf != NULL && errlen > 0) errbuf[0] = '\0';

    if (setjmp(g.jump) != 0) {
        glp_free_env();
        /* g may be stale after longjmp (C11 7.13.2.1); errbuf is the caller's memory.
           GLPK may have been cut off before printing anything useful. */
        if (errbuf != NULL && errlen > 0 && errbuf[0] == '\0') set_message(errbuf, errlen, "GLPK fatal error (no message captured)");
        return LSG_FATAL;
    }
    glp_term_hook(term_hook, &g);
    glp_error_hook(error_hook, &g);
    glp_term_out(GLP_OFF);

    body(context);

    glp_free_env();
    return LSG_OK;
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* GLP_DB requires lower < upper strictly (glp_intopt returns GLP_EBOUND on equality). */
static int bound_type(double lower, double upper) {
    int has_lower = lower > -HUGE_VAL;
    int has_upper = upper < HUGE_VAL;
    if (has_lower && has_upper) return lower == upper ? GLP_FX : GLP_DB;
    if (has_lower) return GLP_LO;
    if (has_upper) return GLP_UP;
    return GLP_FR;
}

/* Branch-and-bound callback: keeps the incumbent's relative gap (glp_ios_mip_gap), which the
   public API offers only inside the search, so a time-limited answer can say how far from proven
   optimal it is. */
static void record_gap(glp_tree *tree, void *info) {
    lsg_result *r = info;
    /* Every event, not only branching ones: with cut generation on, the search can stop on
       mip_gap right after a round of cuts (GLP_ICUTGEN), before any branching. */
    (void)glp_ios_reason(tree);
    r->mip_gap = glp_ios_mip_gap(tree);
}

typedef struct solve_context {
    const lsg_problem *p;
    lsg_result *r;
    /* 1-based copies for glp_load_matrix, allocated outside the guard so they
       can be freed on both paths (element 0 is unused, as GLPK expects). */
    int *ia;
    int *ja;
    double *ar;
    /* Set for the retry after a fatal error inside the cut generators. */
    int without_cuts;
} solve_context;

static void solve_body(void *raw) {
    solve_context *c = raw;
    const lsg_problem *p = c->p;
    lsg_result *r = c->r;

    glp_prob *prob = glp_create_prob();
    glp_set_obj_dir(prob, p->maximize ? GLP_MAX : GLP_MIN);
    if (p->num_rows > 0) glp_add_rows(prob, p->num_rows);
    if (p->num_cols > 0) glp_add_cols(prob, p->num_cols);

    for (int i = 0; i < p->num_rows; i++) {
        double lo = p->row_lower[i], up = p->row_upper[i];
        glp_set_row_bnds(prob, i + 1, bound_type(lo, up), isfinite(lo) ? lo : 0.0, isfinite(up) ? up : 0.0);
    }
    for (int j = 0; j < p->num_cols; j++) {
        double lo = p->col_lower[j], up = p->col_upper[j];
        /* Kind first: glp_set_col_kind(GLP_BV) would reset bounds, GLP_IV does not. */
        glp_set_col_kind(prob, j + 1, p->col_kind[j] == LSG_INTEGER ? GLP_IV : GLP_CV);
        glp_set_col_bnds(prob, j + 1, bound_type(lo, up), isfinite(lo) ? lo : 0.0, isfinite(up) ? up : 0.0);
        glp_set_obj_coef(prob, j + 1, p->col_objective[j]);
    }
    if (p->num_nonzeros > 0) glp_load_matrix(prob, p->num_nonzeros, c->ia, c->ja, c->ar);

    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    /* Presolve solves the root LP itself; without it glp_intopt needs a prior
       glp_simplex and returns GLP_EROOT. */
    parm.presolve = GLP_ON;
    parm.tm_lim = p->time_limit_ms;
    parm.tol_int = p->tol_int;
    parm.mip_gap = p->mip_gap;
    /* GLPK's cut generators are off by default; on the placement models (knapsack rows with
       assignment binaries) they cut the boot-RAM stage from seconds to milliseconds. */
    int cuts = c->without_cuts ? GLP_OFF : GLP_ON;
    parm.mir_cuts = cuts;
    parm.cov_cuts = cuts;
    parm.clq_cuts = cuts;
    parm.gmi_cuts = cuts;
    if (p->branching != LSG_BRANCH_DEFAULT) parm.bt_tech = p->branching;
    r->mip_gap = DBL_MAX;
    parm.cb_func = record_gap;
    parm.cb_info = r;

    double start = now_seconds();
    r->intopt_return = glp_intopt(prob, &parm);
    r->seconds = now_seconds() - start;

    r->mip_status = glp_mip_status(prob);
    if (r->mip_status == GLP_OPT) r->mip_gap = 0.0;
    r->objective = glp_mip_obj_val(prob);
    for (int j = 0; j < p->num_cols; j++) r->col_values[j] = glp_mip_col_val(prob, j + 1);

    glp_delete_prob(prob);
}

#define REQUIRE(cond, ...) \
    do { if (!(cond)) { set_message(errbuf, errlen, __VA_ARGS__); return LSG_BAD_INPUT; } } while (0)

/* The Swift side validates first; this is the last line before GLPK would abort. */
static int check_problem(const lsg_problem *p, const lsg_result *r, char *errbuf, size_t errlen) {
    REQUIRE(p != NULL && r != NULL, "null problem or result");
    REQUIRE(p->num_cols >= 0 && p->num_rows >= 0 && p->num_nonzeros >= 0, "negative count");
    REQUIRE(p->num_nonzeros < 0x7fffffff, "too many nonzeros");
    if (p->num_cols > 0)
        REQUIRE(p->col_kind && p->col_lower && p->col_upper && p->col_objective && r->col_values,
                "null column array");
    if (p->num_rows > 0) REQUIRE(p->row_lower && p->row_upper, "null row array");
    if (p->num_nonzeros > 0) REQUIRE(p->nz_row && p->nz_col && p->nz_value, "null matrix array");
    REQUIRE(p->time_limit_ms > 0, "time limit %d ms must be positive", p->time_limit_ms);
    REQUIRE(p->tol_int >= 0.0 && p->tol_int < 1.0, "tol_int %g outside [0, 1)", p->tol_int);
    REQUIRE(p->mip_gap >= 0.0 && isfinite(p->mip_gap), "mip_gap %g must be finite and >= 0", p->mip_gap);
    REQUIRE(p->branching >= LSG_BRANCH_DEFAULT && p->branching <= LSG_BRANCH_BEST_PROJECTION,
            "unknown branching technique %d", p->branching);
    for (int j = 0; j < p->num_cols; j++) {
        double lo = p->col_lower[j], up = p->col_upper[j];
        REQUIRE(p->col_kind[j] == LSG_CONTINUOUS || p->col_kind[j] == LSG_INTEGER,
                "column %d: unknown kind %d", j, p->col_kind[j]);
        REQUIRE(!isnan(lo) && !isnan(up) && lo < HUGE_VAL && up > -HUGE_VAL && lo <= up,
                "column %d: invalid bounds [%g, %g]", j, lo, up);
        REQUIRE(isfinite(p->col_objective[j]), "column %d: objective %g not finite", j, p->col_objective[j]);
    }
    for (int i = 0; i < p->num_rows; i++) {
        double lo = p->row_lower[i], up = p->row_upper[i];
        REQUIRE(!isnan(lo) && !isnan(up) && lo < HUGE_VAL && up > -HUGE_VAL && lo <= up,
                "row %d: invalid bounds [%g, %g]", i, lo, up);
    }
    for (int k = 0; k < p->num_nonzeros; k++) {
        REQUIRE(p->nz_row[k] >= 0 && p->nz_row[k] < p->num_rows, "matrix entry %d: row %d out of range", k, p->nz_row[k]);
        REQUIRE(p->nz_col[k] >= 0 && p->nz_col[k] < p->num_cols, "matrix entry %d: column %d out of range", k, p->nz_col[k]);
        REQUIRE(isfinite(p->nz_value[k]), "matrix entry %d: value %g not finite", k, p->nz_value[k]);
    }
    return LSG_OK;
}

int lsg_solve(const lsg_problem *p, lsg_result *r, char *errbuf, size_t errlen) {
    if (errbuf != NULL && errlen > 0) errbuf[0] = '\0';
    int checked = check_problem(p, r, errbuf, errlen);
    if (checked != LSG_OK) return checked;

    size_t n = (size_t)p->num_nonzeros + 1;
    solve_context c = { p, r, malloc(n * sizeof(int)), malloc(n * sizeof(int)), malloc(n * sizeof(double)), 0 };
    int rc;
    if (c.ia == NULL || c.ja == NULL || c.ar == NULL) {
        set_message(errbuf, errlen, "out of memory copying %d matrix entries", p->num_nonzeros);
        rc = LSG_NO_MEMORY;
    } else {
        c.ia[0] = c.ja[0] = 0;
        c.ar[0] = 0.0;
        for (int k = 0; k < p->num_nonzeros; k++) {
            c.ia[k + 1] = p->nz_row[k] + 1;
            c.ja[k + 1] = p->nz_col[k] + 1;
            c.ar[k + 1] = p->nz_value[k];
        }
        rc = run_guarded(solve_body, &c, errbuf, errlen);
        /* GLPK 5.0's cut generators can fail on a valid model (glp_add_cols: ncs = 0, found
           by the exhaustive judge on a small virt model); the model is fine without them. */
        if (rc == LSG_FATAL) {
            c.without_cuts = 1;
            rc = run_guarded(solve_body, &c, errbuf, errlen);
        }
    }
    free(c.ia);
    free(c.ja);
    free(c.ar);
    return rc;
}

static void trigger_body(void *unused) {
    (void)unused;
    glp_prob *prob = glp_create_prob();
    glp_add_rows(prob, 1);
    glp_set_row_bnds(prob, 2, GLP_FX, 0.0, 0.0); /* row 2 of 1: glp_error */
    glp_delete_prob(prob);                       /* not reached */
}

int lsg_trigger_fatal_for_testing(char *errbuf, size_t errlen) {
    return run_guarded(trigger_body, NULL, errbuf, errlen);
}

const char *lsg_return_code_name(int code) {
    switch (code) {
    case 0: return "0";
    case GLP_EBADB: return "GLP_EBADB";
    case GLP_ESING: return "GLP_ESING";
    case GLP_ECOND: return "GLP_ECOND";
    case GLP_EBOUND: return "GLP_EBOUND";
    case GLP_EFAIL: return "GLP_EFAIL";
    case GLP_EOBJLL: return "GLP_EOBJLL";
    case GLP_EOBJUL: return "GLP_EOBJUL";
    case GLP_EITLIM: return "GLP_EITLIM";
    case GLP_ETMLIM: return "GLP_ETMLIM";
    case GLP_ENOPFS: return "GLP_ENOPFS";
    case GLP_ENODFS: return "GLP_ENODFS";
    case GLP_EROOT: return "GLP_EROOT";
    case GLP_ESTOP: return "GLP_ESTOP";
    case GLP_EMIPGAP: return "GLP_EMIPGAP";
    case GLP_ENOFEAS: return "GLP_ENOFEAS";
    case GLP_ENOCVG: return "GLP_ENOCVG";
    case GLP_EINSTAB: return "GLP_EINSTAB";
    case GLP_EDATA: return "GLP_EDATA";
    case GLP_ERANGE: return "GLP_ERANGE";
    default: return "GLP_E?";
    }
}

const char *lsg_status_name(int status) {
    switch (status) {
    case GLP_UNDEF: return "GLP_UNDEF";
    case GLP_FEAS: return "GLP_FEAS";
    case GLP_INFEAS: return "GLP_INFEAS";
    case GLP_NOFEAS: return "GLP_NOFEAS";
    case GLP_OPT: return "GLP_OPT";
    case GLP_UNBND: return "GLP_UNBND";
    default: return "GLP_?";
    }
}

int lsg_env_is_thread_local(void) {
    return glp_config("TLS") != NULL;
}
