#include "gate/app.hpp"

int main(int argc, char** argv) { return gate::main(argc, argv); }
