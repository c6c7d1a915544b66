// Adds two numbers. The syntax error below gives the light bulb a diagnostic.
function add(a b) {
  return a + b;
}

module.exports = { add };
