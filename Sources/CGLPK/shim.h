#ifndef CGLPK_SHIM_H
#define CGLPK_SHIM_H

// Umbrella for the system library; the guard target is the only intended user,
// because raw glp_* calls abort the process on misuse.
#include <glpk.h>

#endif
