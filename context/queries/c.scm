;; C. Captures as in python.scm; prototypes are function definitions without a body.
;; section: definitions
(function_definition declarator: [(function_declarator declarator: (identifier) @name) (pointer_declarator declarator: [(function_declarator declarator: (identifier) @name) (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))])] body: (_) @body) @definition.function
(translation_unit (declaration declarator: [(function_declarator declarator: (identifier) @name) (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))]) @definition.function)
(struct_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_) @body) @definition.enum
(type_definition declarator: [(type_identifier) @name (pointer_declarator declarator: (type_identifier) @name) (function_declarator declarator: (parenthesized_declarator (pointer_declarator declarator: (type_identifier) @name)))]) @definition.type
(preproc_def name: (identifier) @name) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.macro
(enumerator name: (identifier) @name) @definition.constant
(translation_unit (declaration declarator: [(identifier) @name (init_declarator declarator: (identifier) @name) (init_declarator declarator: (pointer_declarator declarator: (identifier) @name)) (array_declarator declarator: (identifier) @name) (init_declarator declarator: (array_declarator declarator: (identifier) @name))]) @definition.variable)
(field_declaration_list (field_declaration declarator: [(field_identifier) @name (pointer_declarator declarator: (field_identifier) @name) (array_declarator declarator: (field_identifier) @name)]) @definition.field)
;; section: imports
(preproc_include path: (string_literal) @import.source)
(preproc_include path: (system_lib_string) @import.system)
;; section: uses
(call_expression function: (identifier) @use.call)
(field_expression argument: (identifier) @use.object field: (field_identifier) @use.attribute)
(type_identifier) @use.type
(identifier) @use.name
