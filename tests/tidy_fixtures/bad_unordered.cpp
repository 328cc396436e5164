std::unordered_map<std::string, int> counts;
