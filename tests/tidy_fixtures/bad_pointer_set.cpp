std::set<const Conn *> conns;
