;; Python. Captures: @definition.<kind> on the defining node, @name, @body;
;; @import.* for import statements; @use.* for identifier uses.
;; section: definitions
(function_definition name: (identifier) @name body: (_) @body) @definition.function
(class_definition name: (identifier) @name body: (_) @body) @definition.class
(module (expression_statement (assignment left: (identifier) @name) @definition.constant))
(module (expression_statement (assignment left: (pattern_list (identifier) @name)) @definition.constant))
(module (expression_statement (assignment right: (assignment left: (identifier) @name)) @definition.constant))
;; module-level names bound under `if`, `try` and `with` (a version check, an optional import's fallback)
(module [(if_statement consequence: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))
         (try_statement body: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))
         (with_statement body: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))])
(module [(if_statement [(else_clause body: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))
                        (elif_clause consequence: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))])
         (try_statement [(except_clause (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))
                         (else_clause body: (block (expression_statement (assignment left: (identifier) @name) @definition.constant)))])])
(class_definition body: (block (expression_statement (assignment left: (identifier) @name) @definition.field)))
(module (type_alias_statement (type (identifier) @name)) @definition.type)
;; section: imports
(import_statement name: (dotted_name) @import.module)
(import_statement name: (aliased_import name: (dotted_name) @import.module alias: (identifier) @import.alias))
(import_from_statement module_name: (_) @import.source name: (dotted_name) @import.name)
(import_from_statement module_name: (_) @import.source name: (aliased_import name: (dotted_name) @import.name alias: (identifier) @import.alias))
(import_from_statement module_name: (_) @import.source (wildcard_import) @import.wildcard)
;; section: uses
(call function: (identifier) @use.call)
(call function: (attribute attribute: (identifier) @use.call))
(attribute object: (identifier) @use.object attribute: (identifier) @use.attribute)
(type (identifier) @use.type)
(type (_ (identifier) @use.type))
(identifier) @use.name
