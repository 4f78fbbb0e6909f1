result(6 * 7)
