;; C++ (and C headers). Captures as in python.scm; @parent is the class of an out-of-class method.
;; section: definitions
(function_definition declarator: (function_declarator declarator: [(identifier) @name (field_identifier) @name (operator_name) @name (destructor_name) @name]) body: (_) @body) @definition.function
(function_definition declarator: (function_declarator declarator: (qualified_identifier scope: (_) @parent name: [(identifier) @name (operator_name) @name (destructor_name) @name])) body: (_) @body) @definition.method
(function_definition declarator: [(pointer_declarator declarator: (function_declarator declarator: [(identifier) @name (field_identifier) @name])) (reference_declarator (function_declarator declarator: [(identifier) @name (field_identifier) @name]))] body: (_) @body) @definition.function
(function_definition declarator: [(pointer_declarator declarator: (function_declarator declarator: (qualified_identifier scope: (_) @parent name: (identifier) @name))) (reference_declarator (function_declarator declarator: (qualified_identifier scope: (_) @parent name: (identifier) @name)))] body: (_) @body) @definition.method
(declaration declarator: [(function_declarator declarator: (identifier) @name) (pointer_declarator declarator: (function_declarator declarator: (identifier) @name)) (reference_declarator (function_declarator declarator: (identifier) @name))]) @definition.function
(field_declaration declarator: [(function_declarator declarator: [(field_identifier) @name (operator_name) @name]) (pointer_declarator declarator: (function_declarator declarator: (field_identifier) @name)) (reference_declarator (function_declarator declarator: (field_identifier) @name))]) @definition.method
(class_specifier name: (type_identifier) @name body: (_) @body) @definition.class
(struct_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_) @body) @definition.enum
(namespace_definition name: (_) @name body: (_) @body) @definition.module
(type_definition declarator: [(type_identifier) @name (pointer_declarator declarator: (type_identifier) @name)]) @definition.type
(alias_declaration name: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.constant
(preproc_function_def name: (identifier) @name) @definition.macro
(enumerator name: (identifier) @name) @definition.constant
(field_declaration_list (field_declaration declarator: [(field_identifier) @name (pointer_declarator declarator: (field_identifier) @name) (array_declarator declarator: (field_identifier) @name)]) @definition.field)
(function_definition declarator: (function_declarator declarator: (qualified_identifier name: (qualified_identifier scope: (_) @parent name: [(identifier) @name (operator_name) @name (destructor_name) @name]))) body: (_) @body) @definition.method
;; section: imports
(preproc_include path: (string_literal) @import.source)
(preproc_include path: (system_lib_string) @import.system)
(using_declaration (qualified_identifier) @import.using)
;; section: uses
(call_expression function: (identifier) @use.call)
(call_expression function: (field_expression field: (field_identifier) @use.call))
(call_expression function: (qualified_identifier scope: (_) @use.object name: (identifier) @use.call))
(field_expression argument: (identifier) @use.object field: (field_identifier) @use.attribute)
(type_identifier) @use.type
(namespace_identifier) @use.object
(identifier) @use.name
