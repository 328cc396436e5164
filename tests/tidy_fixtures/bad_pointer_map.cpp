std::map<Node*, int> by_node;
