;; JavaScript (and JSX). Captures as in python.scm.
;; section: definitions
(function_declaration name: (identifier) @name body: (_) @body) @definition.function
(generator_function_declaration name: (identifier) @name body: (_) @body) @definition.function
(class_declaration name: (identifier) @name body: (_) @body) @definition.class
(method_definition name: (property_identifier) @name body: (_) @body) @definition.method
(field_definition property: (property_identifier) @name) @definition.field
(program (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function)
(program (variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function))
(program (export_statement (variable_declaration (variable_declarator name: (identifier) @name value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])) @definition.function))
(program (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @_value)) @definition.constant (#not-match? @_value "^(async\\s+)?(function\\b|\\((?!function\\b|\\()|[A-Za-z_$][A-Za-z0-9_$]*\\s*=>)"))
(program (variable_declaration (variable_declarator name: (identifier) @name value: (_) @_value)) @definition.constant (#not-match? @_value "^(async\\s+)?(function\\b|\\((?!function\\b|\\()|[A-Za-z_$][A-Za-z0-9_$]*\\s*=>)"))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name value: (_) @_value)) @definition.constant) (#not-match? @_value "^(async\\s+)?(function\\b|\\((?!function\\b|\\()|[A-Za-z_$][A-Za-z0-9_$]*\\s*=>)"))
(program (export_statement (variable_declaration (variable_declarator name: (identifier) @name value: (_) @_value)) @definition.constant) (#not-match? @_value "^(async\\s+)?(function\\b|\\((?!function\\b|\\()|[A-Za-z_$][A-Za-z0-9_$]*\\s*=>)"))
;; section: imports
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name !alias))) source: (string (string_fragment) @import.source))
(import_statement (import_clause (named_imports (import_specifier name: (_) @import.name alias: (identifier) @import.alias))) source: (string (string_fragment) @import.source))
(import_statement (import_clause (identifier) @import.default) source: (string (string_fragment) @import.source))
(import_statement (import_clause (namespace_import (identifier) @import.namespace)) source: (string (string_fragment) @import.source))
(variable_declarator name: (identifier) @import.namespace value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @import.source))) (#eq? @_require "require"))
(variable_declarator name: (object_pattern (shorthand_property_identifier_pattern) @import.name) value: (call_expression function: (identifier) @_require arguments: (arguments (string (string_fragment) @import.source))) (#eq? @_require "require"))
;; Re-exports (`export * from`, `export { a as b } from`): what a barrel forwards.
(export_statement "*" source: (string (string_fragment) @import.source)) @import.wildcard
(export_statement (namespace_export (identifier) @import.namespace) source: (string (string_fragment) @import.source))
(export_statement (export_clause (export_specifier name: (_) @import.name !alias)) source: (string (string_fragment) @import.source))
(export_statement (export_clause (export_specifier name: (_) @import.name alias: (_) @import.alias)) source: (string (string_fragment) @import.source))
;; section: uses
(call_expression function: (identifier) @use.call)
(call_expression function: (member_expression property: (property_identifier) @use.call))
(new_expression constructor: (identifier) @use.call)
(member_expression object: (identifier) @use.object property: (property_identifier) @use.attribute)
(jsx_opening_element name: (identifier) @use.type)
(jsx_self_closing_element name: (identifier) @use.type)
(identifier) @use.name
