std::ifstream in("nodes.conf"); // uses <fstream>
#include <fstream>
