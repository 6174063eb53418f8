#ifndef GLPK_GUARD_H
#define GLPK_GUARD_H

/*
 * A crash barrier around GLPK.
 *
 * GLPK reports misuse and internal failures through glp_error, which prints and
 * calls abort(). Each entry point below runs its GLPK work inside one
 * setjmp-protected C call whose error hook longjmps back, so a fatal error
 * becomes a return code plus the text GLPK printed. longjmp must never cross
 * Swift frames, which is why this lives in C and takes only flat arrays.
 *
 * Threads: Debian's libglpk keeps its environment in thread-local storage
 * (glp_config("TLS") is "_Thread_local"), and every call here creates, uses and
 * frees the calling thread's environment before returning. Calls on different
 * threads are therefore independent; nothing GLPK-related outlives a call.
 * The flip side: a call frees the whole environment of its thread, so no other
 * GLPK object may be kept alive on that thread outside this guard.
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes of the lsg_* entry points. */
#define LSG_OK 0        /* GLPK ran; read lsg_result */
#define LSG_FATAL 1     /* glp_error fired and was caught; errbuf holds GLPK's text */
#define LSG_BAD_INPUT 2 /* rejected before GLPK saw it; errbuf says why */
#define LSG_NO_MEMORY 3 /* the guard's own scratch allocation failed */

/* Column kinds. Binaries arrive as LSG_INTEGER with bounds 0..1. */
#define LSG_CONTINUOUS 0
#define LSG_INTEGER 1

/* Branching technique (glp_iocp.bt_tech); 0 keeps GLPK's default. */
#define LSG_BRANCH_DEFAULT 0
#define LSG_BRANCH_DFS 1
#define LSG_BRANCH_BFS 2
#define LSG_BRANCH_BEST_LOCAL_BOUND 3
#define LSG_BRANCH_BEST_PROJECTION 4

/*
 * A MIP in flat arrays, all indices 0-based (the guard converts to GLPK's
 * 1-based form). A missing bound is -HUGE_VAL (lower) or +HUGE_VAL (upper).
 * Integer columns need integral bounds or glp_intopt returns GLP_EBOUND.
 * Matrix entries must not repeat a (row, column) pair: glp_load_matrix treats
 * that as a fatal error (caught, but the solve is lost).
 */
typedef struct lsg_problem {
    int maximize;              /* nonzero: maximize the objective */
    int num_cols;
    const int *col_kind;       /* LSG_CONTINUOUS or LSG_INTEGER */
    const double *col_lower;
    const double *col_upper;
    const double *col_objective;
    int num_rows;
    const double *row_lower;
    const double *row_upper;
    int num_nonzeros;
    const int *nz_row;
    const int *nz_col;
    const double *nz_value;
    int time_limit_ms;         /* glp_iocp.tm_lim, > 0 */
    double tol_int;            /* glp_iocp.tol_int, 0 <= x < 1 */
    double mip_gap;            /* glp_iocp.mip_gap, >= 0 */
    int branching;             /* LSG_BRANCH_* */
} lsg_problem;

typedef struct lsg_result {
    int intopt_return;   /* glp_intopt's return code (0, GLP_ETMLIM, ...) */
    int mip_status;      /* glp_mip_status (GLP_OPT, GLP_FEAS, GLP_NOFEAS, GLP_UNDEF) */
    double objective;    /* glp_mip_obj_val */
    double seconds;      /* wall time inside glp_intopt */
    double mip_gap;      /* relative gap of the incumbent when glp_intopt stopped (0 when optimal, DBL_MAX without one) */
    double *col_values;  /* caller-owned, num_cols entries; filled from glp_mip_col_val */
} lsg_result;

/* Build, solve, read back and delete one problem inside a single guarded call. */
int lsg_solve(const lsg_problem *problem, lsg_result *result, char *errbuf, size_t errlen);

/* Provoke a real glp_error (row index out of range) inside the guard, so tests
 * can prove the hook catches it and the process survives. Returns LSG_FATAL. */
int lsg_trigger_fatal_for_testing(char *errbuf, size_t errlen);

/* "GLP_ETMLIM" for GLP_ETMLIM etc.; "GLP_E?" for codes this GLPK does not define. */
const char *lsg_return_code_name(int code);

/* "GLP_OPT" for GLP_OPT etc. */
const char *lsg_status_name(int status);

/* Nonzero when this libglpk keeps its environment thread-local (glp_config("TLS")). */
int lsg_env_is_thread_local(void);

#ifdef __cplusplus
}
#endif

#endif
