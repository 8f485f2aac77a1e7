#define BOOST_TEST_MODULE hss_gate_unit_tests
#include <boost/test/unit_test.hpp>
