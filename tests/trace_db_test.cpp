#include "runner/trace_db.h"
