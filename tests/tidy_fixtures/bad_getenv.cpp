const char* home = getenv("HOME");
